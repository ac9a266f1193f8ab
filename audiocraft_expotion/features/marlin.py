"""Facial expression features with the MARLIN encoder (paper §3.1.1).

The clip is resampled by timestamp to 80 fps, the face is cropped in every frame
(:mod:`.face_crop`), and the crops are cut into windows of 16 frames at a stride of 16; each window
gives one ``dim``-d feature (768 for ViT-B), so the features are at 80 / 16 = 5 fps. Frame ``i`` of
the output describes grid frames ``16 i .. 16 i + 15``; the last window is completed by repeating
the last crop. Crops are RGB ``uint8 / 255`` in ``[0, 1]``, ``[B, 3, 16, 224, 224]``, no mean/std
normalisation, and the feature is MARLIN's ``extract_features(keep_seq=False)`` (mean of the tokens,
then LayerNorm; marlin-pytorch 0.3.4 ``model/marlin.py``).

Weights: the released ``marlin_vit_*.encoder.pt`` (keys ``encoder.*``) or ``*.full.pt`` (its
``decoder.*``/``enc_dec_proj.*`` entries are ignored), or a bare encoder state dict (names in
:mod:`.vit`); ``weights=None`` keeps a seeded random init (for tests only).
"""
import typing as tp
from pathlib import Path

import numpy as np
import torch

from .base import Extractor
from .checkpoint import build_model, state_checksum
from .face_crop import FaceDetector, crop_face
from ..media.video import Video
from .vit import VideoViT, ViTConfig
from .windows import encode_windows, window_positions

CHECKPOINT_PREFIXES = ("encoder.",)


def marlin_input(clips: torch.Tensor) -> torch.Tensor:
    """``uint8 [B, T, 3, H, W]`` -> MARLIN's float32 input ``[B, 3, T, H, W]`` in ``[0, 1]``."""
    return clips.permute(0, 2, 1, 3, 4).float() / 255


class MarlinExtractor(Extractor):
    """MARLIN face features, ``[T, config.dim]`` at ``sample_fps / config.num_frames`` fps.

    Args:
        weights: path of the encoder checkpoint, or None for a random init.
        config: encoder size (default ViT-B, 224x224, 16 frames).
        sample_fps: rate the video is resampled to before windowing (80 in the paper).
        batch_size: windows encoded together.
        device: where the encoder runs (``cpu``, ``cuda``).
    """
    name = "marlin"
    modality = "face"
    version = "2"
    max_side = 640

    def __init__(self, weights: tp.Optional[tp.Union[str, Path]] = None, config: ViTConfig = ViTConfig(),
                 sample_fps: float = 80., batch_size: int = 4, device: str = "cpu"):
        self.config = config
        self.sample_fps = sample_fps
        self.batch_size = batch_size
        self.device = device
        self.encoder = build_model(lambda: VideoViT(config), weights, prefixes=CHECKPOINT_PREFIXES)
        self.weights_checksum = state_checksum(self.encoder)
        self.encoder.to(device)
        self.detector = FaceDetector()

    @property
    def fps(self) -> float:
        return self.sample_fps / self.config.num_frames

    @property
    def grid_fps(self) -> float:
        return self.sample_fps

    @property
    def dim(self) -> int:
        return self.config.dim

    def settings(self) -> tp.Dict[str, tp.Any]:
        return {"sample_fps": self.sample_fps, "img_size": self.config.img_size, "window": self.config.num_frames,
                "dim": self.config.dim, "depth": self.config.depth}

    def features(self, video: Video) -> tp.Tuple[np.ndarray, tp.Dict[str, tp.Any]]:
        frames, order = video.prepare(self.grid_fps, lambda frame: frame)
        boxes, missing = self.detector.boxes(frames, source=str(video.path))
        crops = np.stack([crop_face(frame, box, self.config.img_size) for frame, box in zip(frames, boxes)])
        windows = order[window_positions(len(order), self.config.num_frames, self.config.num_frames)]
        features = encode_windows(self.encoder.pooled, crops, windows, self.batch_size, marlin_input, self.device)
        meta = {"face_frames_missing": missing, "face_frames": len(frames)}
        return features.numpy(), meta
