"""The visual joint-embedding conditioner (paper §3.1) and a provider that knows ``visual`` attributes.

:class:`VisualConditioner` turns face and motion feature sequences (any frame rate, any length)
into the sequence of joint embeddings ``[z'_f; z'_m]`` at the LM frame rate:

1. temporal smoothing: linear interpolation of each item to ``frame_rate`` (50 Hz for MusicGen);
2. low-rank projections ``W_f: face_dim -> face_rank`` and ``W_m: motion_dim -> motion_rank``;
3. concatenation -> ``[B, T, face_rank + motion_rank]`` plus a ``[B, T]`` mask of valid frames.

The per-layer ``W_e`` projection and the positional embeddings live in the condition adaptor.
"""
import logging
import typing as tp

import torch
from torch import nn
from audiocraft.modules.conditioners import (BaseConditioner, ConditioningAttributes, ConditioningProvider,
                                             ConditionType)

from ..names import MODALITIES
from .conditions import FeatureSequence, VisualCondition, collate_visual
from .temporal import interpolate_features, num_target_frames

logger = logging.getLogger(__name__)


class VisualConditioner(BaseConditioner):
    """Joint visual embedding of face and/or motion features.

    Args:
        modalities: which feature streams are used: ``["face"]``, ``["motion"]`` or both.
        face_dim: width D_f of the face features (768 for MARLIN).
        motion_dim: width D_m of the motion features (768 for Synchformer, 256 for the RAFT flow CNN).
        face_rank: d1, output width of W_f (12 in the paper).
        motion_rank: d2, output width of W_m (12 in the paper).
        frame_rate: rate of the output sequence, the LM token rate (50 Hz for MusicGen).
        output_dim: unused (kept for audiocraft's builder signature); the output width is d1 + d2.
    """
    def __init__(self, modalities: tp.Sequence[str] = MODALITIES, face_dim: int = 768, motion_dim: int = 768,
                 face_rank: int = 12, motion_rank: int = 12, frame_rate: float = 50.,
                 output_dim: tp.Optional[int] = None):
        modalities = list(modalities)
        unknown = set(modalities) - set(MODALITIES)
        if not modalities or unknown:
            raise ValueError(f"visual conditioner: modalities must be a non-empty subset of {MODALITIES}, "
                             f"got {modalities}.")
        widths = {"face": (face_dim, face_rank), "motion": (motion_dim, motion_rank)}
        joint_dim = sum(widths[m][1] for m in modalities)
        super().__init__(dim=joint_dim, output_dim=joint_dim)
        self.output_proj = nn.Identity()  # W_e is per adaptor layer, not here.
        self.modalities = [m for m in MODALITIES if m in modalities]
        self.frame_rate = float(frame_rate)
        self.input_dims = {m: widths[m][0] for m in self.modalities}
        self.projections = nn.ModuleDict({m: nn.Linear(widths[m][0], widths[m][1], bias=False)
                                          for m in self.modalities})

    @property
    def joint_dim(self) -> int:
        return self.dim

    def tokenize(self, x: VisualCondition) -> VisualCondition:
        device = next(self.parameters()).device
        moved = {m: FeatureSequence(s.features.to(device), s.lengths.to(device), s.fps) if s is not None else None
                 for m, s in x._asdict().items()}
        return VisualCondition(**moved)

    def _check(self, modality: str, seq: tp.Optional[FeatureSequence]) -> FeatureSequence:
        if seq is None:
            raise ValueError(f"visual conditioner: the model uses '{modality}' features but the condition has "
                             f"none (modalities configured: {self.modalities}).")
        width = seq.features.shape[-1]
        if width != self.input_dims[modality]:
            raise ValueError(f"visual conditioner: '{modality}' features have width {width}, "
                             f"the model expects {self.input_dims[modality]}.")
        for i, n in enumerate(seq.lengths.tolist()):
            if not torch.isfinite(seq.features[i, :n]).all():
                raise ValueError(f"visual conditioner: '{modality}' features of batch item {i} contain NaN/inf.")
        return seq

    def _target_lengths(self, streams: tp.Dict[str, FeatureSequence]) -> tp.List[int]:
        """Frames at ``frame_rate`` covering each item: the longest of its modalities (0 if null)."""
        batch = len(next(iter(streams.values())).fps)
        return [max(num_target_frames(int(s.lengths[i]), s.fps[i], self.frame_rate) for s in streams.values())
                for i in range(batch)]

    def forward(self, x: VisualCondition) -> ConditionType:
        """Returns the joint embedding ``[B, T, d1 + d2]`` at ``frame_rate``, in the dtype of W_f / W_m,
        and its mask ``[B, T]``."""
        streams = {m: self._check(m, x.get(m)) for m in self.modalities}
        lengths = self._target_lengths(streams)
        total = max(lengths)
        parts = []
        for modality, seq in streams.items():
            proj = self.projections[modality]
            smoothed = seq.features.new_zeros(len(lengths), total, seq.features.shape[-1])
            for i, length in enumerate(lengths):
                n = int(seq.lengths[i])
                if n > 0 and length > 0:
                    smoothed[i, :length] = interpolate_features(seq.features[i, :n], seq.fps[i],
                                                                self.frame_rate, length)
            parts.append(proj(smoothed.to(proj.weight.dtype)))  # features follow the model's dtype
        mask = (torch.arange(total, device=parts[0].device)[None] < torch.tensor(lengths, device=parts[0].device)[:, None])
        embeds = torch.cat(parts, dim=-1) * mask[..., None]
        return embeds, mask.int()


class VisualConditioningProvider(ConditioningProvider):
    """A ConditioningProvider that also collates and embeds ``visual`` attributes.

    Items must be :class:`ExpotionConditioningAttributes` carrying ``visual[name]`` for every
    visual conditioner; text / wav / joint-embed conditions are handled by audiocraft as usual.
    """
    @property
    def visual_conditions(self) -> tp.List[str]:
        return [k for k, v in self.conditioners.items() if isinstance(v, VisualConditioner)]

    def tokenize(self, inputs: tp.List[ConditioningAttributes]) -> tp.Dict[str, tp.Any]:
        output = super().tokenize(inputs)
        for name in self.visual_conditions:
            missing = [i for i, x in enumerate(inputs) if name not in getattr(x, "visual", {})]
            if missing:
                raise ValueError(f"The model needs a visual condition '{name}' but batch items {missing} have none; "
                                 "build them with audiocraft_expotion.modules.conditions.with_visual.")
            output[name] = self.conditioners[name].tokenize(collate_visual([x.visual[name] for x in inputs]))
        return output
