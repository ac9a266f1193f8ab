"""A video Vision Transformer with tubelet embedding: the MARLIN encoder, as released.

Source: marlin-pytorch 0.3.4 (github.com/ControlNet/MARLIN @ 85fd016, ``src/marlin_pytorch/model/encoder.py``,
``modules.py``, ``positional_embedding.py``); checked against ``shared/fixtures/marlin_small.pt``.

Input ``[B, 3, F, S, S]`` clips are cut into ``tubelet x patch x patch`` tubelets (a strided
``Conv3d``), given fixed sine-cosine positions and passed through pre-norm transformer blocks with
joint space-time attention. The parameter names follow MARLIN's encoder checkpoints:

- ``patch_embedding.projection.{weight,bias}``: ``Conv3d(3, dim, (tubelet, patch, patch))``;
- ``pos_embedding.emb``: ``[1, N, dim]`` sine-cosine table (not trained);
- ``blocks.{i}.norm1 / norm2``: LayerNorms;
- ``blocks.{i}.attn.qkv.weight`` (no bias), ``blocks.{i}.attn.q_bias``, ``blocks.{i}.attn.v_bias``,
  ``blocks.{i}.attn.proj.{weight,bias}``;
- ``blocks.{i}.mlp.layers.{0,1}.linear.{weight,bias}``: ``dim -> 4 dim -> dim`` with GELU;
- ``norm.{weight,bias}``: final LayerNorm.
"""
import typing as tp
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class ViTConfig:
    """Size of a :class:`VideoViT`; the defaults are ViT-B/16 on 16 frames of 224x224 (MARLIN ViT-B)."""
    img_size: int = 224
    num_frames: int = 16
    patch_size: int = 16
    tubelet_size: int = 2
    dim: int = 768
    depth: int = 12
    num_heads: int = 12
    mlp_ratio: float = 4.

    @property
    def grid(self) -> tp.Tuple[int, int, int]:
        """Number of tubelets along time, height and width."""
        side = self.img_size // self.patch_size
        return self.num_frames // self.tubelet_size, side, side

    @classmethod
    def from_dict(cls, config: tp.Mapping[str, tp.Any]) -> "ViTConfig":
        """From the flat summary of a MARLIN conformance fixture's ``config`` (``embed_dim``, ``n_frames``, ...)."""
        return cls(img_size=int(config["img_size"]), num_frames=int(config["n_frames"]),
                   patch_size=int(config["patch_size"]), tubelet_size=int(config["tubelet_size"]),
                   dim=int(config["embed_dim"]), depth=int(config["depth"]), num_heads=int(config["num_heads"]),
                   mlp_ratio=float(config["mlp_ratio"]))


def sincos_table(num_positions: int, dim: int) -> torch.Tensor:
    """``[num_positions, dim]`` table: ``sin``/``cos`` of ``pos / 10000^(2 floor(k/2) / dim)`` (even/odd k)."""
    position = torch.arange(num_positions, dtype=torch.float64)[:, None]
    exponent = 2 * torch.div(torch.arange(dim), 2, rounding_mode="floor").double() / dim
    angles = position / torch.pow(10000., exponent)[None]
    table = torch.empty_like(angles)
    table[:, 0::2] = torch.sin(angles[:, 0::2])
    table[:, 1::2] = torch.cos(angles[:, 1::2])
    return table.float()


class _Dense(nn.Module):
    def __init__(self, dim_in: int, dim_out: int):
        super().__init__()
        self.linear = nn.Linear(dim_in, dim_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x)


class _MLP(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.layers = nn.ModuleList([_Dense(dim, hidden), _Dense(hidden, dim)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers[1](F.gelu(self.layers[0](x)))


class _Attention(nn.Module):
    def __init__(self, dim: int, num_heads: int):
        super().__init__()
        self.num_heads = num_heads
        self.qkv = nn.Linear(dim, 3 * dim, bias=False)
        self.q_bias = nn.Parameter(torch.zeros(dim))
        self.v_bias = nn.Parameter(torch.zeros(dim))
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, length, dim = x.shape
        bias = torch.cat([self.q_bias, torch.zeros_like(self.q_bias), self.v_bias])
        qkv = F.linear(x, self.qkv.weight, bias).view(batch, length, 3, self.num_heads, dim // self.num_heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)
        out = F.scaled_dot_product_attention(q, k, v)
        return self.proj(out.transpose(1, 2).reshape(batch, length, dim))


class _Block(nn.Module):
    def __init__(self, dim: int, num_heads: int, mlp_ratio: float):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = _Attention(dim, num_heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = _MLP(dim, int(dim * mlp_ratio))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class _PatchEmbedding(nn.Module):
    def __init__(self, config: ViTConfig):
        super().__init__()
        kernel = (config.tubelet_size, config.patch_size, config.patch_size)
        self.projection = nn.Conv3d(3, config.dim, kernel_size=kernel, stride=kernel)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.projection(x).flatten(2).transpose(1, 2)


class _PositionalEmbedding(nn.Module):
    def __init__(self, num_positions: int, dim: int):
        super().__init__()
        self.emb = nn.Parameter(sincos_table(num_positions, dim)[None], requires_grad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.emb


class VideoViT(nn.Module):
    """Video ViT encoder; see the module docstring for the architecture and parameter names."""
    def __init__(self, config: ViTConfig = ViTConfig()):
        super().__init__()
        self.config = config
        frames, height, width = config.grid
        self.patch_embedding = _PatchEmbedding(config)
        self.pos_embedding = _PositionalEmbedding(frames * height * width, config.dim)
        self.blocks = nn.ModuleList([_Block(config.dim, config.num_heads, config.mlp_ratio)
                                     for _ in range(config.depth)])
        self.norm = nn.LayerNorm(config.dim)

    def tokens(self, clips: torch.Tensor) -> torch.Tensor:
        """``[B, 3, F, S, S]`` clips -> ``[B, F / tubelet, S / patch, S / patch, dim]`` tokens (before ``norm``)."""
        x = self.pos_embedding(self.patch_embedding(clips))
        for block in self.blocks:
            x = block(x)
        return x.view(clips.shape[0], *self.config.grid, self.config.dim)

    def pooled(self, clips: torch.Tensor) -> torch.Tensor:
        """``[B, dim]``: mean of all tokens, then ``norm`` (MARLIN's ``extract_features(keep_seq=False)``)."""
        return self.norm(self.tokens(clips).flatten(1, 3).mean(dim=1))

    def sequence(self, clips: torch.Tensor) -> torch.Tensor:
        """``[B, F / tubelet * (S / patch)^2, dim]``: all tokens, then ``norm`` (``keep_seq=True``)."""
        return self.norm(self.tokens(clips).flatten(1, 3))
