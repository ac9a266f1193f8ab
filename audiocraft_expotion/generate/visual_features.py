"""Face and motion features of a video, through the feature extractors, with an on-disk cache.

The cache follows the one rule of :mod:`audiocraft_expotion.features.cache` (the same files
``python -m audiocraft_expotion.features extract --out CACHE`` writes: ``CACHE/<video stem>.<extractor>.npz``):
a cached file is reused only when it was made from the same video content by the same extractor
(name, version, settings, weights checksum); a changed video or extractor is extracted again and the
file replaced; another video with the same file name is refused with
:class:`~audiocraft_expotion.features.cache.FeatureCollision`.
"""
import logging
import typing as tp
from pathlib import Path

from tqdm import tqdm

from ..data.feature_io import FeatureFile
from ..features import Extractor, build_extractor
from ..features import cache as feature_cache
from ..features.batch import decode_for

logger = logging.getLogger(__name__)


def build_extractors(names: tp.Mapping[str, str],
                     checkpoints: tp.Optional[tp.Mapping[str, tp.Optional[str]]] = None,
                     random_weights: bool = False) -> tp.Dict[str, Extractor]:
    """One extractor per modality: ``names`` maps ``face`` / ``motion`` to an extractor name."""
    checkpoints = checkpoints or {}
    return {modality: build_extractor(name, checkpoints.get(modality), random_weights=random_weights)
            for modality, name in names.items()}


def visual_features(video: tp.Union[str, Path], extractors: tp.Mapping[str, Extractor],
                    cache: tp.Optional[tp.Union[str, Path]] = None, progress: bool = True
                    ) -> tp.Dict[str, FeatureFile]:
    """Features ``[T, D]`` of each modality of ``video``, read from ``cache`` or extracted (then cached).

    The video is decoded once, at the largest frame size any extractor still to run needs.

    Raises:
        FeatureCollision: ``cache`` holds the features of another video with the same file name.
        MediaError: the video cannot be decoded.
    """
    video = Path(video)
    identity = None if cache is None else feature_cache.VideoIdentity.of(video)
    found: tp.Dict[str, tp.Optional[FeatureFile]] = {
        modality: None if identity is None else feature_cache.lookup(tp.cast(Path, cache), identity, extractor)
        for modality, extractor in extractors.items()}
    todo = [modality for modality, features in found.items() if features is None]
    if not todo:
        return tp.cast(tp.Dict[str, FeatureFile], found)
    with tqdm(total=1 + len(todo), desc=f"features {video.name}", unit="step", disable=not progress) as bar:
        bar.set_postfix_str("decoding")
        frames = decode_for(video, [extractors[m] for m in todo])
        bar.update()
        for modality in todo:
            extractor = extractors[modality]
            bar.set_postfix_str(extractor.name)
            found[modality] = extractor.extract(frames)
            if identity is not None:
                feature_cache.store(tp.cast(Path, cache), identity, tp.cast(FeatureFile, found[modality]), extractor)
            bar.update()
    return tp.cast(tp.Dict[str, FeatureFile], found)
