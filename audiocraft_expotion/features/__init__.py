"""From video to face and motion features (paper §3.1).

Extractors (``name``: output width, frame rate; all start at clip time 0):

==================  =======================  ==========================================================
``marlin``          768 @ 5 fps              MARLIN ViT-B on face crops, 80 fps / 16-frame windows
``synchformer``     768 @ 40 fps             Synchformer-style ViT, 16-frame segments every 5 @ 25 fps,
                                             ``(T, 8, 768)`` flattened
``raft``            256 @ 5 fps              RAFT flow + fixed flow embedding CNN
``mediapipe_face``  317 @ 10 fps             Face Mesh landmarks + expression measures (offline weights)
``mediapipe_pose``  126 @ 5 fps              upper-body pose + velocities (offline weights)
``flow``            21 @ 10 fps              OpenCV DIS flow magnitude / direction / regional energy
==================  =======================  ==========================================================

``marlin``, ``synchformer`` and ``raft`` need a user checkpoint (no hub download); the others run
with the weights shipped in ``mediapipe`` / no weights. Run ``python -m audiocraft_expotion.features
extract --help`` for the batch command line.
"""
import typing as tp
from pathlib import Path

from .base import Extractor
from .flow import FlowExtractor
from .marlin import MarlinExtractor
from .mediapipe_face import MediapipeFaceExtractor
from .mediapipe_pose import MediapipePoseExtractor
from .raft import RaftExtractor
from .synchformer import SynchformerExtractor
from .video import Video, VideoError, read_video

EXTRACTORS: tp.Dict[str, tp.Type[Extractor]] = {
    cls.name: cls for cls in (MarlinExtractor, SynchformerExtractor, RaftExtractor,
                              MediapipeFaceExtractor, MediapipePoseExtractor, FlowExtractor)}
PRETRAINED = ("marlin", "synchformer", "raft")


def build_extractor(name: str, checkpoint: tp.Optional[tp.Union[str, Path]] = None,
                    random_weights: bool = False, **kwargs: tp.Any) -> Extractor:
    """Extractor ``name``; the pretrained ones need ``checkpoint`` unless ``random_weights`` is set."""
    if name not in EXTRACTORS:
        raise ValueError(f"Unknown extractor {name!r}, choose from {sorted(EXTRACTORS)}.")
    if name not in PRETRAINED:
        if checkpoint is not None:
            raise ValueError(f"Extractor {name!r} uses no checkpoint, got {checkpoint}.")
        return EXTRACTORS[name](**kwargs)
    if checkpoint is None and not random_weights:
        raise ValueError(f"Extractor {name!r} needs pretrained weights: pass a checkpoint path "
                         f"(--checkpoint; no hub download is done), or ask for random weights "
                         f"(--random-weights, tests only).")
    return EXTRACTORS[name](weights=checkpoint, **kwargs)


__all__ = ["EXTRACTORS", "PRETRAINED", "Extractor", "Video", "VideoError", "build_extractor", "read_video"]
