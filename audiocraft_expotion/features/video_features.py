"""Features of one video: decoded once for all extractors, each stored result reused by the cache rule.

The one function from a video to its face / motion features, used by the generate CLI / app (with
a cache folder) and by :meth:`ExpotionGen.generate_with_video(descriptions, videos=[...])
<audiocraft_expotion.models.expotion_gen.ExpotionGen.generate_with_video>` (no cache). A video is a
file, a decoded :class:`~audiocraft_expotion.media.video.Video` or ``(uint8 frames, fps)``; a file
is decoded once, at the largest frame size any extractor still to run needs, keeping only the
frames their grids show. With a cache folder, stored features follow :mod:`.cache`.
"""
import typing as tp
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..data.feature_io import FeatureFile
from ..media.video import Video, read_video
from . import cache as feature_cache
from .base import Extractor
from .native_logs import quiet_native_logs

# One video: a file path, a decoded :class:`Video`, or ``(frames uint8 [N, H, W, 3] RGB, fps)``.
VideoLike = tp.Union[str, Path, Video, tp.Tuple[np.ndarray, float]]


def decode_for(path: Path, extractors: tp.Sequence[Extractor]) -> Video:
    """``path`` decoded once for all ``extractors``: at the largest frame size any of them needs, keeping
    only the frames their grids (:attr:`Extractor.grid_fps`) show.

    Raises:
        MediaError: the file cannot be decoded (names it).
    """
    sides = [extractor.max_side for extractor in extractors]
    return read_video(path, fps=sorted({extractor.grid_fps for extractor in extractors}),
                      max_side=None if None in sides else max(tp.cast(tp.List[int], sides)))


def as_video(video: VideoLike, extractors: tp.Sequence[Extractor]) -> Video:
    """``video`` decoded for ``extractors`` (see :func:`decode_for`); frames at ``fps`` start at clip time 0.

    Raises:
        MediaError: an unreadable file (names it).
        ValueError: frames that are not ``uint8 [N, H, W, 3]`` or a non-positive ``fps``.
    """
    if isinstance(video, Video):
        return video
    if isinstance(video, (str, Path)):
        return decode_for(Path(video), extractors)
    frames, fps = video
    frames = np.asarray(frames)
    if frames.dtype != np.uint8 or frames.ndim != 4 or frames.shape[-1] != 3 or len(frames) == 0 or fps <= 0:
        raise ValueError(f"Expected (uint8 frames [N>0, H, W, 3], fps > 0), got {frames.dtype} "
                         f"{list(frames.shape)} at {fps} fps.")
    return Video(frames=frames, times=np.arange(len(frames)) / float(fps), end=len(frames) / float(fps),
                 path=Path("<frames>"), source_frames=len(frames))


def video_features(video: VideoLike, extractors: tp.Mapping[str, Extractor],
                   cache: tp.Optional[tp.Union[str, Path]] = None, progress: bool = False
                   ) -> tp.Dict[str, FeatureFile]:
    """Features ``[T, D]`` of ``video`` per modality (the keys of ``extractors``, e.g. ``face`` / ``motion``).

    Args:
        video: a file, a decoded :class:`Video` or ``(uint8 frames [N, H, W, 3], fps)``.
        extractors: one extractor per modality.
        cache: a folder of stored features (:mod:`.cache`): reused when they match, else extracted and
            stored; only for a video file. None: always extract, store nothing.
        progress: show a progress bar (decoding, then one step per extractor).
    Raises:
        FeatureCollision: ``cache`` holds the features of another video with the same file name.
        MediaError: the video file cannot be decoded (names it).
        ValueError: bad frames (see :func:`as_video`), or a ``cache`` for a video that is not a file.
    """
    identity = None
    if cache is not None:
        if not isinstance(video, (str, Path)):
            raise ValueError(f"A feature cache ({cache}) needs a video file, got decoded frames.")
        identity = feature_cache.VideoIdentity.of(video)
    found: tp.Dict[str, tp.Optional[FeatureFile]] = {
        modality: None if identity is None else feature_cache.lookup(tp.cast(Path, cache), identity, extractor)
        for modality, extractor in extractors.items()}
    todo = [modality for modality, features in found.items() if features is None]
    name = Path(video).name if isinstance(video, (str, Path)) else "video"
    if todo:
        with quiet_native_logs(), tqdm(total=1 + len(todo), desc=f"features {name}", unit="step",
                                       disable=not progress) as bar:
            bar.set_postfix_str("decoding")
            decoded = as_video(video, [extractors[m] for m in todo])
            bar.update()
            for modality in todo:
                extractor = extractors[modality]
                bar.set_postfix_str(extractor.name)
                found[modality] = features = extractor.extract(decoded)
                if identity is not None:
                    feature_cache.store(tp.cast(Path, cache), identity, features, extractor)
                bar.update()
    return tp.cast(tp.Dict[str, FeatureFile], found)
