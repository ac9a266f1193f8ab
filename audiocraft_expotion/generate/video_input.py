"""Raw videos as the visual condition: features of video files or decoded frames, with a model's own extractors.

Used by :meth:`ExpotionGen.generate_with_video(descriptions, videos=[...])
<audiocraft_expotion.models.expotion_gen.ExpotionGen.generate_with_video>`, as MusicGen's
``generate_with_chroma`` takes raw waveforms: each video goes through the extractors the model
records it was trained on (:mod:`.extractor_choice`), or the offline defaults when it has no record.
"""
import typing as tp
from pathlib import Path

import numpy as np

from ..data.extractor_record import read_extractor_record
from ..data.feature_io import FeatureFile
from ..features import Extractor
from ..features.batch import decode_for
from ..media.video import Video
from ..models.lm import ExpotionLM
from .extractor_choice import choose_extractors
from .native_logs import quiet_native_logs

# One video: a file path, a decoded :class:`Video`, or ``(frames uint8 [N, H, W, 3] RGB, fps)``.
VideoLike = tp.Union[str, Path, Video, tp.Tuple[np.ndarray, float]]


def as_video(video: VideoLike, extractors: tp.Sequence[Extractor]) -> Video:
    """``video`` decoded (a file is read once for all ``extractors``); frames at ``fps`` start at clip time 0.

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


def features_of_videos(lm: ExpotionLM, videos: tp.Sequence[VideoLike],
                       extractors: tp.Optional[tp.Mapping[str, Extractor]] = None
                       ) -> tp.Dict[str, tp.List[FeatureFile]]:
    """Features ``[T, D]`` of each of ``videos``, per modality (``{"face": [...], "motion": [...]}``).

    Args:
        lm: the model's LM; its config records the extractors, its visual conditioner the modalities.
        videos: one :data:`VideoLike` per sample.
        extractors: override the model's extractors (per modality).
    Raises:
        ValueError: the model records pretrained extractors (their weights must be given through
            ``extractors``), or a video cannot be read (names it).
    """
    if extractors is None:
        modalities = lm.condition_provider.conditioners[lm.visual_condition].modalities
        extractors, _ = choose_extractors(read_extractor_record(lm.cfg), modalities)
    features: tp.Dict[str, tp.List[FeatureFile]] = {modality: [] for modality in extractors}
    with quiet_native_logs():
        for video in videos:
            decoded = as_video(video, list(extractors.values()))
            for modality, extractor in extractors.items():
                features[modality].append(extractor.extract(decoded))
    return features
