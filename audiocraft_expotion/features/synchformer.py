"""Motion features with a Synchformer-style visual encoder (paper §3.1.2).

The clip is resampled by timestamp to 25 fps, frames are resized (shorter side) and centre-cropped
to ``img_size``, normalized to ``[-1, 1]``, and cut into 16-frame segments at a stride of 5 frames;
the last segments are completed by repeating the last frame, so every stride start inside the clip
gets a segment (``T = ceil(frames / 5)``). Each segment goes through a spatio-temporal ViT
(:class:`.vit.VideoViT`, tubelets 2x16x16, joint space-time attention) and its tokens are averaged
over space, giving ``(8, dim)`` per segment: ``(T, 8, dim)`` flattened to ``(T * 8, dim)``.

Timing: segment ``k`` starts at ``k * 5 / 25 = 0.2 k`` s and its 8 tokens are laid out one after
the other, so the flattened sequence is at ``8 * 25 / 5 = 40`` fps from clip time 0 (token ``8 k + m``
at ``0.2 k + m / 40`` s, inside the span of tubelet ``m`` of segment ``k``).

Weights: a state dict with :mod:`.vit`'s parameter names (``patch_embedding.projection.*``,
``pos_embedding.emb``, ``blocks.{i}.attn.qkv.weight`` ..., ``norm.*``). Synchformer's released
visual encoder is a MotionFormer with divided space-time attention; its checkpoint must be
converted to this layout (per-block attention weights) before it can be loaded here.
"""
import typing as tp
from pathlib import Path

import cv2
import numpy as np

from .base import Extractor
from .checkpoint import build_model
from .video import Video
from .vit import VideoViT, ViTConfig, encode_windows, window_positions


def center_square(frame: np.ndarray, size: int) -> np.ndarray:
    """``uint8 [size, size, 3]``: ``frame`` resized so its shorter side is ``size``, centre-cropped."""
    height, width = frame.shape[:2]
    scale = size / min(height, width)
    resized = cv2.resize(frame, (max(size, round(width * scale)), max(size, round(height * scale))),
                         interpolation=cv2.INTER_AREA)
    top, left = (resized.shape[0] - size) // 2, (resized.shape[1] - size) // 2
    return resized[top:top + size, left:left + size]


class SynchformerExtractor(Extractor):
    """Synchformer-style motion features, ``[T * 8, config.dim]`` at 40 fps (module docstring).

    Args:
        weights: path of the encoder checkpoint, or None for a random init.
        config: encoder size (default ViT-B/16, 224x224, 16 frames).
        sample_fps: rate the video is standardized to (25).
        stride: frames between segment starts (5 in the paper).
        batch_size: segments encoded together.
    """
    name = "synchformer"
    version = "1"
    max_side = 640

    def __init__(self, weights: tp.Optional[tp.Union[str, Path]] = None, config: ViTConfig = ViTConfig(),
                 sample_fps: float = 25., stride: int = 5, batch_size: int = 4):
        self.config = config
        self.sample_fps = sample_fps
        self.stride = stride
        self.batch_size = batch_size
        self.weights = None if weights is None else str(weights)
        self.encoder = build_model(lambda: VideoViT(config), weights)

    @property
    def tokens_per_segment(self) -> int:
        return self.config.grid[0]

    @property
    def fps(self) -> float:
        return self.tokens_per_segment * self.sample_fps / self.stride

    @property
    def dim(self) -> int:
        return self.config.dim

    def settings(self) -> tp.Dict[str, tp.Any]:
        return {"sample_fps": self.sample_fps, "stride": self.stride, "segment": self.config.num_frames,
                "img_size": self.config.img_size, "weights": self.weights or "random"}

    def features(self, video: Video) -> tp.Tuple[np.ndarray, tp.Dict[str, tp.Any]]:
        prepared, order = video.prepare(self.sample_fps, lambda frame: center_square(frame, self.config.img_size))
        segments = order[window_positions(len(order), self.config.num_frames, self.stride)]  # [T, 16]
        features = encode_windows(self.encoder.per_time, np.stack(prepared), segments, self.batch_size,
                                  mean=0.5, std=0.5).flatten(0, 1)  # [T * 8, dim]
        return features.numpy(), {"segments": len(segments)}
