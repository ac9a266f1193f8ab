"""Synchformer's visual encoder: a MotionFormer (divided space-time ViT) with a spatial aggregation layer.

Architecture facts learnt from the official Synchformer code (github.com/v-iashin/Synchformer @ b66668a,
``model/modules/feat_extractors/visual/motionformer.py`` and ``motionformer_src/{video_model_builder,
vit_helper}.py``), built with the released settings ``factorize_space_time=True``,
``agg_space_module='TransformerEncoderLayer'``, ``agg_time_module='torch.nn.Identity'``,
``add_global_repr=False`` and the ``divided_224_16x4`` config:

- tokens: ``Conv3d(3, D, (2, 16, 16))`` tubelets of a ``[3, 16, 224, 224]`` segment, ordered
  ``(t, h, w)`` (``t = 8`` time steps of 2 frames, ``14 x 14`` patches), a CLS token in front;
- positions: ``pos_embed[0]`` on CLS; patch ``p`` of time step ``t`` gets ``pos_embed[1 + p] + temp_embed[t]``;
- each block (pre-norm, LayerNorm eps 1e-6): ``x += timeattn(norm3(x))`` where every patch attends to
  the same patch at all 8 time steps; ``x += attn(norm1(x))`` where every patch attends to the patches
  of its own time step; ``x += mlp(norm2(x))`` (exact GELU). In both attentions the CLS query attends
  to all tokens and the CLS key/value joins every group;
- features: CLS dropped, final ``norm``, then per time step a ``nn.TransformerEncoderLayer``
  (norm first, GELU, eps 1e-6) over a learnt CLS token + the 196 patches; its CLS output is the feature.

So one segment ``[3, 16, 224, 224]`` gives ``[8, D]``: feature ``m`` describes frames ``2m, 2m + 1``.
``patch_embed.proj`` (a ``Conv2d``) is part of the released state dict but unused by the forward pass.
State-dict keys match the released checkpoints' ``vfeat_extractor.*`` entries (without that prefix).
"""
import typing as tp
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .vit import ViTConfig


@dataclass(frozen=True)
class MotionFormerConfig(ViTConfig):
    """Size of a :class:`MotionFormer`; the defaults are the released Synchformer encoder (ViT-B/16)."""
    eps: float = 1e-6

    @property
    def tokens(self) -> tp.Tuple[int, int]:
        """``(time steps, patches per frame)``: ``(8, 196)`` for the released encoder."""
        steps, height, width = self.grid
        return steps, height * width

    @classmethod
    def from_dict(cls, config: tp.Mapping[str, tp.Any]) -> "MotionFormerConfig":
        """From the flat summary of a conformance fixture's ``config`` (``embed_dim``, ``depth``, ...).

        Raises:
            ValueError: for settings other than the released architecture's (joint attention, other
                positional embeddings, temporal aggregation, global representation, no qkv bias).
        """
        released = {"attn_layer": "divided", "pos_embed": "separate", "temporal_agg": "identity",
                    "add_global_repr": False, "qkv_bias": True, "img_size": 224}
        wrong = {k: config[k] for k, v in released.items() if k in config and config[k] != v}
        if wrong:
            raise ValueError(f"Only the released Synchformer encoder is supported ({released}); got {wrong}.")
        return cls(num_frames=int(config.get("num_frames", 16)), patch_size=int(config.get("patch_size", 16)),
                   tubelet_size=int(config.get("tubelet_size", 2)), dim=int(config.get("embed_dim", 768)),
                   depth=int(config.get("depth", 12)), num_heads=int(config.get("num_heads", 12)),
                   mlp_ratio=float(config.get("mlp_ratio", 4.)), eps=float(config.get("layer_norm_eps", 1e-6)))


class _Mlp(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.gelu(self.fc1(x)))


class _DividedAttention(nn.Module):
    """Attention inside groups of patches (one group per time step, or per patch position) plus CLS."""
    def __init__(self, dim: int, num_heads: int):
        super().__init__()
        self.num_heads = num_heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor, grid: tp.Tuple[int, int], over_time: bool) -> torch.Tensor:
        """``[B, 1 + t * p, D]`` -> same; ``over_time``: groups are patch positions, else time steps."""
        batch, length, dim = x.shape
        steps, patches = grid
        heads = self.qkv(x).view(batch, length, 3, self.num_heads, dim // self.num_heads).permute(2, 0, 3, 1, 4)
        q, k, v = heads.unbind(0)  # [B, h, 1 + N, d]
        cls_out = F.scaled_dot_product_attention(q[:, :, :1], k, v)

        def groups(t: torch.Tensor) -> torch.Tensor:  # [B, h, N, d] -> [B * h * G, L, d]
            t = t.unflatten(2, (steps, patches))
            t = t.transpose(2, 3) if over_time else t
            return t.flatten(0, 2)

        def with_cls(t: torch.Tensor) -> torch.Tensor:  # the CLS key/value joins every group
            cls = t[:, :, None, :1].expand(-1, -1, patches if over_time else steps, -1, -1).flatten(0, 2)
            return torch.cat([cls, groups(t[:, :, 1:])], dim=1)

        out = F.scaled_dot_product_attention(groups(q[:, :, 1:]), with_cls(k), with_cls(v))
        out = out.view(batch, self.num_heads, -1, *out.shape[-2:])
        out = (out.transpose(2, 3) if over_time else out).flatten(2, 3)  # [B, h, N, d]
        out = torch.cat([cls_out, out], dim=2).transpose(1, 2).reshape(batch, length, dim)
        return self.proj(out)


class _Block(nn.Module):
    def __init__(self, config: MotionFormerConfig):
        super().__init__()
        dim = config.dim
        self.norm1 = nn.LayerNorm(dim, eps=config.eps)
        self.attn = _DividedAttention(dim, config.num_heads)
        self.timeattn = _DividedAttention(dim, config.num_heads)
        self.norm2 = nn.LayerNorm(dim, eps=config.eps)
        self.mlp = _Mlp(dim, int(dim * config.mlp_ratio))
        self.norm3 = nn.LayerNorm(dim, eps=config.eps)

    def forward(self, x: torch.Tensor, grid: tp.Tuple[int, int]) -> torch.Tensor:
        x = x + self.timeattn(self.norm3(x), grid, over_time=True)
        x = x + self.attn(self.norm1(x), grid, over_time=False)
        return x + self.mlp(self.norm2(x))


class _PatchEmbed(nn.Module):
    def __init__(self, conv: nn.Module):
        super().__init__()
        self.proj = conv


class _SpatialAggregation(nn.TransformerEncoderLayer):
    """``[N, L, D]`` tokens -> ``[N, D]``: the output at a learnt CLS token put in front of them."""
    def __init__(self, config: MotionFormerConfig):
        super().__init__(d_model=config.dim, nhead=config.num_heads, dim_feedforward=int(config.mlp_ratio * config.dim),
                         dropout=0., activation=nn.GELU(), layer_norm_eps=config.eps, batch_first=True,
                         norm_first=True)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, config.dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1)
        return super().forward(x)[:, 0]


class MotionFormer(nn.Module):
    """The released Synchformer visual encoder (module docstring); ``forward``: ``[B, S, 3, 16, 224, 224]``
    segments (values in ``[-1, 1]``) -> ``[B, S, 8, D]`` features."""
    def __init__(self, config: MotionFormerConfig = MotionFormerConfig()):
        super().__init__()
        self.config = config
        steps, patches = config.tokens
        dim, patch = config.dim, config.patch_size
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, patches + 1, dim))
        self.temp_embed = nn.Parameter(torch.zeros(1, steps, dim))
        self.patch_embed = _PatchEmbed(nn.Conv2d(3, dim, patch, stride=patch))
        tubelet = (config.tubelet_size, patch, patch)
        self.patch_embed_3d = _PatchEmbed(nn.Conv3d(3, dim, tubelet, stride=tubelet))
        self.blocks = nn.ModuleList([_Block(config) for _ in range(config.depth)])
        self.norm = nn.LayerNorm(dim, eps=config.eps)
        self.spatial_attn_agg = _SpatialAggregation(config)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, segments, channels, frames, height, width = x.shape
        expected = (3, self.config.num_frames, self.config.img_size, self.config.img_size)
        if (channels, frames, height, width) != expected:
            raise ValueError(f"MotionFormer input must be [B, S, {', '.join(map(str, expected))}], "
                             f"got {tuple(x.shape)}.")
        steps, patches = self.config.tokens
        tokens = self.patch_embed_3d.proj(x.flatten(0, 1)).flatten(2).transpose(1, 2)  # [BS, t * p, D]
        positions = self.pos_embed[:, 1:].repeat(1, steps, 1) + self.temp_embed.repeat_interleave(patches, dim=1)
        cls = (self.cls_token + self.pos_embed[:, :1]).expand(tokens.shape[0], -1, -1)
        x = torch.cat([cls, tokens + positions], dim=1)
        for block in self.blocks:
            x = block(x, self.config.tokens)
        x = self.norm(x[:, 1:]).unflatten(1, (steps, patches))  # [BS, t, p, D]
        features = self.spatial_attn_agg(x.flatten(0, 1))  # [BS * t, D]
        return features.view(batch, segments, steps, -1)
