"""From video to face and motion features (paper §3.1).

Extractors (``name``: output width, frame rate; all start at clip time 0):

==================  =======================  ==========================================================
``marlin``          768 @ 5 fps              MARLIN ViT-B on face crops, 80 fps / 16-frame windows
``synchformer``     768 @ 40 fps             Synchformer's released visual encoder (MotionFormer),
                                             16-frame segments every 5 @ 25 fps, ``(S, 8, 768)`` flattened
``raft``            256 @ 5 fps              RAFT flow + fixed flow embedding CNN
``mediapipe_face``  317 @ 10 fps             Face Mesh landmarks + expression measures (offline weights)
``mediapipe_pose``  126 @ 5 fps              upper-body pose + velocities (offline weights)
``flow``            21 @ 10 fps              OpenCV DIS flow magnitude / direction / regional energy
==================  =======================  ==========================================================

``marlin``, ``synchformer`` and ``raft`` need weights: the released checkpoint files (or, for RAFT, a
torchvision weights name); the others run with the weights shipped in ``mediapipe`` / no weights.
Stored features follow one rule (:mod:`.cache`): they are reused only for the same video content and
extractor fingerprint (name, version, settings, weights checksum). One video's features (decoded once for all
extractors, optionally cached): :func:`.video_features.video_features`; which extractors a model needs:
:mod:`.extractor_choice`. Run ``python -m audiocraft_expotion.features extract --help`` for the batch command line.
"""
import importlib
import typing as tp
from pathlib import Path

if tp.TYPE_CHECKING:
    from .base import Extractor

_CLASSES = {"marlin": "marlin:MarlinExtractor", "synchformer": "synchformer:SynchformerExtractor",
            "raft": "raft:RaftExtractor", "mediapipe_face": "mediapipe_face:MediapipeFaceExtractor",
            "mediapipe_pose": "mediapipe_pose:MediapipePoseExtractor", "flow": "flow:FlowExtractor"}


class _Extractors(tp.Mapping[str, tp.Type["Extractor"]]):
    """``name -> Extractor class``; a class's module (torch, torchvision, OpenCV, mediapipe) is imported
    only when the class is looked up, so listing the names (e.g. for ``--help``) imports none of them."""

    def __getitem__(self, name: str) -> tp.Type["Extractor"]:
        module, cls_name = _CLASSES[name].split(":")
        cls = getattr(importlib.import_module(f"{__name__}.{module}"), cls_name)
        if cls.name != name:
            raise RuntimeError(f"{cls_name}.name is {cls.name!r}, registered as {name!r}.")
        return cls

    def __contains__(self, name: object) -> bool:  # without importing the class's module
        return name in _CLASSES

    def __iter__(self) -> tp.Iterator[str]:
        return iter(_CLASSES)

    def __len__(self) -> int:
        return len(_CLASSES)


EXTRACTORS = _Extractors()
PRETRAINED = ("marlin", "synchformer", "raft")
DEFAULT_EXTRACTORS: tp.Dict[str, str] = {"face": "mediapipe_face", "motion": "flow"}
"""Extractor of each modality when neither the model nor the user names one (offline weights)."""
SYNCHFORMER_TIMINGS = ("paper", "exact")
"""Times of the flattened Synchformer tokens (see :mod:`.synchformer`); here so that listing them imports no torch."""
RAFT_WEIGHT_ENUMS = {"Raft_Small_Weights": "small", "Raft_Large_Weights": "large"}
"""torchvision's RAFT weights enums and their model sizes: ``--checkpoint Raft_Small_Weights.C_T_V2`` names weights,
not a file (see :mod:`.raft`); here so that checking a checkpoint argument imports no torch."""


def is_raft_weights_name(weights: str) -> bool:
    """Whether ``weights`` names torchvision RAFT weights (``Raft_Small_Weights.C_T_V2``, ...) rather than a file."""
    return weights.split(".", 1)[0] in RAFT_WEIGHT_ENUMS


def __getattr__(name: str) -> tp.Any:
    if name == "Extractor":  # the base class, imported when first asked for
        from .base import Extractor
        return Extractor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def build_extractor(name: str, checkpoint: tp.Optional[tp.Union[str, Path]] = None,
                    random_weights: bool = False, **kwargs: tp.Any) -> "Extractor":
    """Extractor ``name``; the pretrained ones need ``checkpoint`` (a weights file, or for ``raft`` a
    torchvision weights name) unless ``random_weights`` is set. ``kwargs`` go to the extractor's constructor.

    Raises:
        ValueError: unknown name, a checkpoint for an extractor without weights, or missing weights;
            :class:`.checkpoint.CheckpointError` (a ValueError) for weights that do not fit.
    """
    if name not in EXTRACTORS:
        raise ValueError(f"Unknown extractor {name!r}, choose from {sorted(EXTRACTORS)}.")
    if name not in PRETRAINED:
        if checkpoint is not None:
            raise ValueError(f"Extractor {name!r} uses no checkpoint, got {checkpoint}.")
        return EXTRACTORS[name](**kwargs)
    if checkpoint is None and not random_weights:
        raise ValueError(f"Extractor {name!r} needs pretrained weights: pass a checkpoint file (--checkpoint; the "
                         f"released file as downloaded, or for raft a torchvision name such as "
                         f"Raft_Small_Weights.C_T_V2), or ask for random weights (--random-weights, tests only).")
    return EXTRACTORS[name](weights=checkpoint, **kwargs)


__all__ = ["EXTRACTORS", "PRETRAINED", "Extractor", "build_extractor"]
