"""Visual condition types: how face and motion feature sequences travel through audiocraft.

audiocraft's :class:`ConditioningAttributes` knows ``text``, ``wav`` and ``joint_embed``
conditions. Expotion adds a fourth kind, ``visual``: a time-varying pair of feature sequences
(face, motion), each with its own frame rate. A sample carries them in
:class:`ExpotionConditioningAttributes.visual`, keyed by the conditioner name (``"visual"``).
"""
import typing as tp
from dataclasses import dataclass, field

import torch
from audiocraft.modules.conditioners import ConditioningAttributes

from ..names import MODALITIES
from .temporal import interpolate_features, num_target_frames


class FeatureSequence(tp.NamedTuple):
    """A batch of feature sequences of one modality.

    Attributes:
        features: ``[B, T, D]`` features, zero-padded past each item's length.
        lengths: ``[B]`` number of valid frames per item (0 for a null condition).
        fps: frame rate of each item, in frames per second (length B).
    """
    features: torch.Tensor
    lengths: torch.Tensor
    fps: tp.List[float]

    @classmethod
    def single(cls, features: torch.Tensor, fps: float) -> "FeatureSequence":
        """One item from ``[T, D]`` features at ``fps``."""
        if features.dim() != 2:
            raise ValueError(f"Expected [T, D] features, got shape {tuple(features.shape)}.")
        return cls(features[None], torch.tensor([features.shape[0]]), [float(fps)])

    @property
    def durations(self) -> torch.Tensor:
        """``[B]`` duration in seconds of each item."""
        return self.lengths.double() / torch.tensor(self.fps, dtype=torch.float64)


class VisualCondition(tp.NamedTuple):
    """Face and motion feature sequences of a batch; a modality the model does not use may be None."""
    face: tp.Optional[FeatureSequence] = None
    motion: tp.Optional[FeatureSequence] = None

    def get(self, modality: str) -> tp.Optional[FeatureSequence]:
        return getattr(self, modality)


@dataclass
class ExpotionConditioningAttributes(ConditioningAttributes):
    """ConditioningAttributes with a ``visual`` field for time-varying visual conditions."""
    visual: tp.Dict[str, VisualCondition] = field(default_factory=dict)

    @property
    def visual_attributes(self):
        return self.visual.keys()

    @property
    def attributes(self):
        return {**super().attributes, "visual": self.visual_attributes}

    def to_flat_dict(self):
        return {**super().to_flat_dict(), **{f"visual.{k}": v for k, v in self.visual.items()}}


def with_visual(attributes: ConditioningAttributes, name: str,
                condition: VisualCondition) -> ExpotionConditioningAttributes:
    """Copy ``attributes`` into :class:`ExpotionConditioningAttributes` with ``visual[name] = condition``."""
    visual = dict(getattr(attributes, "visual", {}))
    visual[name] = condition
    return ExpotionConditioningAttributes(text=dict(attributes.text), wav=dict(attributes.wav),
                                          joint_embed=dict(attributes.joint_embed), visual=visual)


def _collate_modality(items: tp.List[FeatureSequence]) -> FeatureSequence:
    widths = {item.features.shape[-1] for item in items}
    if len(widths) != 1:
        raise ValueError(f"Cannot batch feature sequences of different widths {sorted(widths)}.")
    max_len = max(int(item.features.shape[1]) for item in items)
    batch = items[0].features.new_zeros(sum(item.features.shape[0] for item in items), max_len, widths.pop())
    row = 0
    for item in items:
        n = item.features.shape[0]
        batch[row:row + n, :item.features.shape[1]] = item.features
        row += n
    lengths = torch.cat([item.lengths.to(torch.long).cpu() for item in items])
    return FeatureSequence(batch, lengths, [fps for item in items for fps in item.fps])


def collate_visual(conditions: tp.List[VisualCondition]) -> VisualCondition:
    """Batch visual conditions: each modality is zero-padded to the longest item.

    A modality must be present in all items or in none.
    """
    out = {}
    for modality in MODALITIES:
        present = [c.get(modality) is not None for c in conditions]
        if any(present) and not all(present):
            raise ValueError(f"The '{modality}' features are missing for some items of the batch.")
        out[modality] = _collate_modality([c.get(modality) for c in conditions]) if all(present) else None
    return VisualCondition(**out)


def nullify_visual(condition: VisualCondition) -> VisualCondition:
    """The null visual condition: every item has zero valid frames (the adaptor then adds nothing)."""
    def null(seq: tp.Optional[FeatureSequence]) -> tp.Optional[FeatureSequence]:
        if seq is None:
            return None
        return FeatureSequence(seq.features[:, :1] * 0, torch.zeros_like(seq.lengths), list(seq.fps))
    return VisualCondition(face=null(condition.face), motion=null(condition.motion))


def _window_modality(seq: FeatureSequence, frame_rate: float, start: int, length: int) -> FeatureSequence:
    items = []
    for i in range(seq.features.shape[0]):
        n = int(seq.lengths[i])
        total = num_target_frames(n, seq.fps[i], frame_rate) if n else 0
        resampled = interpolate_features(seq.features[i, :n], seq.fps[i], frame_rate, total) if total else None
        window = resampled[start:start + length] if resampled is not None else seq.features.new_zeros(0, 0)
        if window.shape[0] == 0:  # the video ended before this window: null for this item
            window = seq.features.new_zeros(1, seq.features.shape[-1])
            items.append(FeatureSequence(window[None], torch.zeros(1, dtype=torch.long), [frame_rate]))
        else:
            items.append(FeatureSequence.single(window, frame_rate))
    return _collate_modality(items)


def window_visual(condition: VisualCondition, frame_rate: float, start: int, length: int) -> VisualCondition:
    """The part of ``condition`` covering LM frames ``[start, start + length)`` at ``frame_rate``.

    Each modality is first resampled to ``frame_rate`` (eq. 1), so a window starts exactly at its
    frame: frame ``j`` of the window is time ``(start + j) / frame_rate`` of the video.
    """
    return VisualCondition(**{m: _window_modality(s, frame_rate, start, length) if s is not None else None
                              for m, s in condition._asdict().items()})
