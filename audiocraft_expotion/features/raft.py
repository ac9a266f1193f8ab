"""Motion features from RAFT optical flow and the flow embedding CNN (paper §3.1.2, eq. 5).

The clip is resampled by timestamp to 5 fps, frames are resized so the shorter side is ``side`` pixels
(at least 128 and both sides rounded to multiples of 8, as RAFT needs), RAFT (torchvision ``raft_small`` or
``raft_large``) computes the flow of each consecutive pair (timing in :mod:`.pairs`), the flow is
divided by the frame width (resolution independent) and embedded by the fixed
:class:`.flow_cnn.FlowEmbeddingCNN` into 256-d: ``[T, 256]`` at 5 fps.

Weights: a torchvision RAFT state dict (e.g. ``Raft_Small_Weights`` / ``Raft_Large_Weights`` saved
with ``torch.save(model.state_dict())``); ``weights=None`` keeps a seeded random init (tests only).
"""
import typing as tp
from pathlib import Path

import cv2
import numpy as np
import torch
from torchvision.models.optical_flow import raft_large, raft_small

from .base import Extractor
from .checkpoint import build_model
from .flow_cnn import CHANNELS, checksum, fixed_flow_cnn
from .pairs import pair_features
from .video import Video

RAFT_MODELS = {"small": raft_small, "large": raft_large}


class RaftExtractor(Extractor):
    """RAFT + flow CNN motion features, ``[T, 256]`` at ``fps``.

    Args:
        weights: path of the RAFT state dict, or None for a random init.
        model: ``"small"`` or ``"large"``.
        fps: rate of the resampled frames and of the features (5 in the paper).
        side: shorter side of the frames given to RAFT (>= 128).
        flow_updates: RAFT refinement iterations.
        cnn_seed: seed of the fixed flow embedding CNN.
    """
    name = "raft"
    version = "1"

    def __init__(self, weights: tp.Optional[tp.Union[str, Path]] = None, model: str = "small", fps: float = 5.,
                 side: int = 256, flow_updates: int = 12, cnn_seed: int = 0):
        if model not in RAFT_MODELS:
            raise ValueError(f"RAFT model must be one of {sorted(RAFT_MODELS)}, got {model!r}.")
        if side < 128:
            raise ValueError(f"RAFT needs frames of at least 128 pixels per side, got side={side}.")
        self.model_name = model
        self._fps = fps
        self.side = side
        self.flow_updates = flow_updates
        self.cnn_seed = cnn_seed
        self.weights = None if weights is None else str(weights)
        self.raft = build_model(lambda: RAFT_MODELS[model](weights=None, progress=False), weights)
        self.cnn = fixed_flow_cnn(cnn_seed)

    @property
    def fps(self) -> float:
        return self._fps

    @property
    def dim(self) -> int:
        return CHANNELS[-1]

    def settings(self) -> tp.Dict[str, tp.Any]:
        return {"fps": self._fps, "model": self.model_name, "side": self.side, "flow_updates": self.flow_updates,
                "weights": self.weights or "random", "flow_cnn_seed": self.cnn_seed,
                "flow_cnn_checksum": checksum(self.cnn)}

    def _prepare(self, frame: np.ndarray) -> torch.Tensor:
        height, width = frame.shape[:2]
        scale = self.side / min(height, width)
        size = (round(width * scale / 8) * 8, round(height * scale / 8) * 8)
        resized = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
        return torch.from_numpy(resized).permute(2, 0, 1).float() / 127.5 - 1  # [3, H, W] in [-1, 1]

    def _motion(self, first: torch.Tensor, second: torch.Tensor) -> np.ndarray:
        with torch.inference_mode():
            flow = self.raft(first[None], second[None], num_flow_updates=self.flow_updates)[-1]  # [1, 2, H, W]
            return self.cnn(flow / first.shape[-1])[0].numpy()

    def features(self, video: Video) -> tp.Tuple[np.ndarray, tp.Dict[str, tp.Any]]:
        frames, order = video.prepare(self._fps, self._prepare)
        with torch.inference_mode():
            still = self.cnn(torch.zeros(1, 2, *frames[0].shape[1:]))[0].numpy()
        return pair_features(order, frames, self._motion, still), {}
