"""Motion features with Synchformer's visual encoder, as released (paper §3.1.2, eq. 4).

Input pipeline (official test transforms, github.com/v-iashin/Synchformer ``configs/sync.yaml``,
``example.py``, ``dataset/transforms.py``): the clip is resampled by timestamp to 25 fps, each frame is
resized so its shorter side is 256 px and centre-cropped to 224x224 (offset ``round((side - 224) / 2)``),
frames are cut into 16-frame segments, converted as ``uint8 -> float16 / 255``, normalised as
``(x - 0.5) / 0.5`` in float16 (values in ``[-1, 1]``) and given to :class:`.motionformer.MotionFormer`
as ``[1, S, 3, 16, 224, 224]`` (computed in float32). Each segment gives ``(8, D)`` features.
Differences to the official script: frames are decoded with their longer side at most
``ceil(256 * 16 / 9) = 456`` px and resized with OpenCV's area filter, where it re-encodes with ffmpeg's
bicubic scaler; segments start every ``stride = 5`` frames (the paper) where the
synchronisation model uses 8; the last segments are completed by repeating the last frame, so every
stride start inside the clip gets a segment (``S = ceil(frames / 5)``).

Timing. Token ``m`` (0..7) of segment ``k`` encodes frames ``5k + 2m`` and ``5k + 2m + 1``, i.e. the span
``[0.2k + 0.08m, 0.2k + 0.08m + 0.08)`` s, centred at ``0.2k + 0.08m + 0.04`` s. Segments overlap
(0.64 s long, 0.2 s apart), so the ``S * 8`` tokens are not a time series.

- ``timing="paper"`` (default, the paper's "flatten, then interpolate"): the ``(S, 8, D)`` features are
  flattened to ``(S * 8, D)`` and read as a 40 fps sequence from clip time 0 (token ``8k + m`` at
  ``0.2k + m / 40`` s). This warps time: only token 0 of each segment lies in the span it encodes;
  token ``m`` is placed ``0.055 m + 0.04`` s (0.095 .. 0.425 s for ``m = 1 .. 7``) before its centre.
- ``timing="exact"``: each token is placed at the centre of its tubelet, tokens at the same time are
  averaged, and the result is linearly interpolated onto the same 40 fps grid (held at the ends),
  so both options give ``[S * 8, D]`` at 40 fps from 0 and are interchangeable downstream.

Weights: the released Synchformer checkpoint as downloaded (the whole synchronisation model; its
``model`` entry's ``vfeat_extractor.*`` part is used), or a bare encoder state dict (the names of
``shared/fixtures/synchformer_vfeat_keys.tsv``); ``weights=None`` keeps a seeded random init (tests only).
"""
import math
import typing as tp
from pathlib import Path

import cv2
import numpy as np
import torch

from . import SYNCHFORMER_TIMINGS
from .base import Extractor
from .checkpoint import build_model, state_checksum
from .motionformer import MotionFormer, MotionFormerConfig
from ..media.video import Video
from .windows import encode_windows, window_positions

CHECKPOINT_PREFIXES = ("vfeat_extractor.", "module.vfeat_extractor.")


def build_encoder(config: tp.Union[None, MotionFormerConfig, tp.Mapping[str, tp.Any]] = None) -> MotionFormer:
    """The released Synchformer visual encoder, randomly initialised, in eval mode.

    Args:
        config: None (the released ViT-B/16 size), a :class:`MotionFormerConfig`, or a dict like the
            ``config`` of ``shared/fixtures/synchformer_small.pt`` (``embed_dim``, ``depth``, ``num_heads``, ...).
    Returns:
        a module mapping ``[B, S, 3, 16, 224, 224]`` to ``[B, S, 8, D]``; load the official state dict
        with ``load_state_dict(..., strict=True)``.
    """
    if config is None:
        config = MotionFormerConfig()
    elif not isinstance(config, MotionFormerConfig):
        config = MotionFormerConfig.from_dict(config)
    return MotionFormer(config).eval()


def resize_and_crop(frame: np.ndarray, short_side: int, size: int) -> np.ndarray:
    """``uint8 [size, size, 3]``: ``frame`` resized so its shorter side is ``short_side``, centre-cropped."""
    height, width = frame.shape[:2]
    scale = short_side / min(height, width)
    resized = cv2.resize(frame, (max(size, round(width * scale)), max(size, round(height * scale))),
                         interpolation=cv2.INTER_AREA)
    top, left = (int(round((side - size) / 2.)) for side in resized.shape[:2])
    return resized[top:top + size, left:left + size]


def synchformer_input(clips: torch.Tensor) -> torch.Tensor:
    """``uint8 [B, T, 3, H, W]`` segments -> the encoder input ``[1, B, 3, T, H, W]``, float16 in ``[-1, 1]``
    exactly as the official ``RGBToHalfToZeroOne`` + ``RGBNormalize(0.5, 0.5)`` + permute."""
    x = clips.half().div(255.)
    return ((x - 0.5) / 0.5).permute(0, 2, 1, 3, 4)[None]


def token_centres(segments: int, tokens: int, stride: int, tubelet: int, fps: float) -> np.ndarray:
    """``float64 [segments, tokens]``: time (s) of the centre of each token's tubelet (module docstring)."""
    first_frame = stride * np.arange(segments)[:, None] + tubelet * np.arange(tokens)[None]
    return (first_frame + tubelet / 2) / fps


def place_exactly(features: np.ndarray, centres: np.ndarray, fps: float) -> np.ndarray:
    """``[S * 8, D]`` on the grid ``j / fps``: ``[S, 8, D]`` tokens at ``centres`` (same-time tokens
    averaged), linearly interpolated, held at the ends."""
    times, inverse = np.unique(np.round(centres.reshape(-1), 9), return_inverse=True)
    flat = features.reshape(-1, features.shape[-1])
    means = np.zeros((len(times), flat.shape[1]))
    np.add.at(means, inverse, flat)
    means /= np.bincount(inverse)[:, None]
    grid = np.arange(len(flat)) / fps
    return np.stack([np.interp(grid, times, column) for column in means.T], axis=1).astype(np.float32)


class SynchformerExtractor(Extractor):
    """Synchformer motion features, ``[S * 8, D]`` at ``8 * sample_fps / stride`` (40) fps (module docstring).

    Args:
        weights: path of the released checkpoint or of an encoder state dict, or None for a random init.
        config: encoder size (default: the released ViT-B/16), as for :func:`build_encoder`.
        sample_fps: rate the video is standardised to (25).
        stride: frames between segment starts (5 in the paper).
        short_side: shorter frame side before the centre crop (256).
        timing: ``"paper"`` or ``"exact"`` (module docstring).
        batch_size: segments encoded together.
        device: where the encoder runs (``cpu``, ``cuda``).
    """
    name = "synchformer"
    modality = "motion"
    version = "2"

    def __init__(self, weights: tp.Optional[tp.Union[str, Path]] = None,
                 config: tp.Union[None, MotionFormerConfig, tp.Mapping[str, tp.Any]] = None,
                 sample_fps: float = 25., stride: int = 5, short_side: int = 256, timing: str = "paper",
                 batch_size: int = 4, device: str = "cpu"):
        if timing not in SYNCHFORMER_TIMINGS:
            raise ValueError(f"Synchformer timing must be one of {SYNCHFORMER_TIMINGS}, got {timing!r}.")
        self.encoder = tp.cast(MotionFormer, build_model(lambda: build_encoder(config), weights,
                                                         prefixes=CHECKPOINT_PREFIXES))
        self.config = self.encoder.config
        if short_side < self.config.img_size:
            raise ValueError(f"short_side ({short_side}) must be at least the crop size {self.config.img_size}.")
        self.sample_fps = sample_fps
        self.stride = stride
        self.short_side = short_side
        self.max_side = math.ceil(short_side * 16 / 9)  # decoded frames keep short_side up to 16:9 aspect
        self.timing = timing
        self.batch_size = batch_size
        self.device = device
        self.weights_checksum = state_checksum(self.encoder)
        self.encoder.to(device)

    @property
    def tokens_per_segment(self) -> int:
        return self.config.tokens[0]

    @property
    def fps(self) -> float:
        return self.tokens_per_segment * self.sample_fps / self.stride

    @property
    def grid_fps(self) -> float:
        return self.sample_fps

    @property
    def dim(self) -> int:
        return self.config.dim

    def settings(self) -> tp.Dict[str, tp.Any]:
        return {"sample_fps": self.sample_fps, "stride": self.stride, "segment": self.config.num_frames,
                "short_side": self.short_side, "img_size": self.config.img_size, "timing": self.timing,
                "dim": self.config.dim, "depth": self.config.depth}

    def _encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x.float())[0]  # [B, 8, D]

    def features(self, video: Video) -> tp.Tuple[np.ndarray, tp.Dict[str, tp.Any]]:
        size = self.config.img_size
        prepared, order = video.prepare(self.grid_fps, lambda frame: resize_and_crop(frame, self.short_side, size))
        segments = order[window_positions(len(order), self.config.num_frames, self.stride)]  # [S, 16]
        tokens = encode_windows(self._encode, np.stack(prepared), segments, self.batch_size,
                                synchformer_input, self.device).numpy()  # [S, 8, D]
        if self.timing == "paper":
            features = tokens.reshape(-1, tokens.shape[-1])
        else:
            centres = token_centres(len(segments), self.tokens_per_segment, self.stride,
                                    self.config.tubelet_size, self.sample_fps)
            features = place_exactly(tokens, centres, self.fps)
        return features, {"segments": len(segments)}
