"""The face / motion features :meth:`~audiocraft_expotion.models.expotion_gen.ExpotionGen.generate_with_video`
accepts, and how they become each item's :class:`VisualCondition`.

A modality is given as a :class:`FeatureFile` (read with the training cut, :func:`cut_features`), a
:class:`FeatureSequence` or a ``(tensor [T, D], fps)`` pair: one for all items or one per item.
"""
import typing as tp

import torch

from ..data.feature_io import FeatureFile
from ..data.feature_window import cut_features
from ..modules.conditions import FeatureSequence, VisualCondition

FeatureLike = tp.Union[FeatureFile, FeatureSequence, tp.Tuple[torch.Tensor, float]]
VisualInput = tp.Optional[tp.Union[FeatureLike, tp.Sequence[FeatureLike]]]


def as_feature_sequence(x: FeatureLike) -> FeatureSequence:
    """One item's features as a :class:`FeatureSequence` (``[1, T, D]``, frame ``i`` at time ``i / fps``).

    A :class:`FeatureFile` is read at clip times ``0, 1 / fps, ...`` with the training cut
    (:func:`cut_features`), so its ``start`` means what it means in training: a file whose frame 0
    is at 0.5 s holds that frame from 0 to 0.5 s, then follows the clip.

    Raises:
        ValueError: for a feature file whose frames all lie before clip time 0.
    """
    if isinstance(x, FeatureSequence):
        return x
    if isinstance(x, FeatureFile):
        end = x.start + x.duration
        if end <= 0:
            raise ValueError(f"Feature file ({x.meta.get('video', 'unknown video')}) ends at {end:.3f} s, "
                             "before clip time 0.")
        return FeatureSequence.single(cut_features(x, 0., end), x.fps)
    features, fps = x
    return FeatureSequence.single(torch.as_tensor(features, dtype=torch.float32), fps)


def per_item(value: VisualInput, count: int, modality: str) -> tp.List[tp.Optional[FeatureSequence]]:
    """``value`` (None, one :data:`FeatureLike` for all items, or one per item) as ``count`` sequences.

    Raises:
        ValueError: a sequence of another length than ``count`` (names the modality).
    """
    if value is None:
        return [None] * count
    if isinstance(value, (FeatureFile, FeatureSequence)) or (isinstance(value, tuple) and len(value) == 2
                                                             and not isinstance(value[0], (tuple, FeatureFile))):
        return [as_feature_sequence(value)] * count
    items = list(value)
    if len(items) != count:
        raise ValueError(f"Got {len(items)} '{modality}' feature sequences for {count} descriptions.")
    return [as_feature_sequence(item) for item in items]


def visual_conditions(face: VisualInput, motion: VisualInput, count: int) -> tp.List[VisualCondition]:
    """The visual condition of each of ``count`` items (a modality given as None stays None).

    Raises:
        ValueError: see :func:`per_item` and :func:`as_feature_sequence`.
    """
    return [VisualCondition(face=f, motion=m)
            for f, m in zip(per_item(face, count, "face"), per_item(motion, count, "motion"))]
