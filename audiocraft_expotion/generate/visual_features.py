"""Face and motion features of a video, through the feature extractors, with an on-disk cache.

The cache is the extractors' own output format: ``CACHE/<video stem>.<extractor>.npz`` (what
``python -m audiocraft_expotion.features extract --out CACHE`` writes). A cached file is reused when
it was made from the same video by the same extractor version with the same settings; otherwise the
features are extracted again and the file is replaced.
"""
import json
import logging
import typing as tp
from pathlib import Path

from tqdm import tqdm

from ..data.feature_io import FeatureFile, load_features, save_features
from ..features import Extractor, build_extractor, read_video
from ..features.batch import output_paths

logger = logging.getLogger(__name__)

# Offline extractors with real weights (no checkpoint needed).
DEFAULT_EXTRACTORS: tp.Dict[str, str] = {"face": "mediapipe_face", "motion": "flow"}


def build_extractors(names: tp.Mapping[str, str],
                     checkpoints: tp.Optional[tp.Mapping[str, tp.Optional[str]]] = None,
                     random_weights: bool = False) -> tp.Dict[str, Extractor]:
    """One extractor per modality: ``names`` maps ``face`` / ``motion`` to an extractor name."""
    checkpoints = checkpoints or {}
    return {modality: build_extractor(name, checkpoints.get(modality), random_weights=random_weights)
            for modality, name in names.items()}


def cache_path(cache: Path, video: Path, extractor: Extractor) -> Path:
    """The cached features of ``video``: the file the features CLI writes (``<stem>.<extractor>.npz``)."""
    return output_paths(cache, video, extractor)[0]


def _matches(features: FeatureFile, video: Path, extractor: Extractor) -> bool:
    meta = features.meta
    settings = json.loads(json.dumps(extractor.settings()))
    return (meta.get("extractor") == extractor.name and str(meta.get("version")) == str(extractor.version)
            and meta.get("settings") == settings and Path(meta.get("video", "")).resolve() == video.resolve())


def _cached(cache: tp.Optional[Path], video: Path, extractor: Extractor) -> tp.Optional[FeatureFile]:
    path = None if cache is None else cache_path(cache, video, extractor)
    if path is None or not path.is_file():
        return None
    features = load_features(path)
    if _matches(features, video, extractor):
        return features
    logger.info("%s: made from another video or extractor setting, extracting again.", path)
    return None


def visual_features(video: tp.Union[str, Path], extractors: tp.Mapping[str, Extractor],
                    cache: tp.Optional[tp.Union[str, Path]] = None, progress: bool = True
                    ) -> tp.Dict[str, FeatureFile]:
    """Features ``[T, D]`` of each modality of ``video``, read from ``cache`` or extracted (then cached).

    The video is decoded once, at the largest frame size any extractor needs.
    """
    video = Path(video)
    cache = None if cache is None else Path(cache)
    found = {modality: _cached(cache, video, ex) for modality, ex in extractors.items()}
    todo = [modality for modality, features in found.items() if features is None]
    if not todo:
        return tp.cast(tp.Dict[str, FeatureFile], found)
    sides = [extractors[m].max_side for m in todo]
    with tqdm(total=1 + len(todo), desc=f"features {video.name}", unit="step", disable=not progress) as bar:
        bar.set_postfix_str("decoding")
        frames = read_video(video, max_side=None if None in sides else max(sides))
        bar.update()
        for modality in todo:
            extractor = extractors[modality]
            bar.set_postfix_str(extractor.name)
            found[modality] = extractor.extract(frames)
            if cache is not None:
                save_features(cache_path(cache, video, extractor), found[modality])
            bar.update()
    return tp.cast(tp.Dict[str, FeatureFile], found)
