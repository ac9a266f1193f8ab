"""Motion features from RAFT optical flow and the flow embedding CNN (paper §3.1.2, eq. 5).

The clip is resampled by timestamp to 5 fps, frames are resized so the shorter side is ``side`` pixels
(at least 128 and both sides rounded to multiples of 8, as RAFT needs), RAFT (torchvision ``raft_small`` or
``raft_large``) computes the flow of each consecutive pair (timing in :mod:`.pairs`), the flow is
divided by the frame width (resolution independent) and embedded by the fixed
:class:`.flow_cnn.FlowEmbeddingCNN` into 256-d: ``[T, 256]`` at 5 fps.

Weights: a torchvision weights name (``Raft_Small_Weights.C_T_V2``, ``Raft_Large_Weights.DEFAULT``, ...;
fetched once into torch's hub cache, ``torch.hub.get_dir()/checkpoints``, and read from there afterwards)
or a local file holding a torchvision RAFT state dict; ``weights=None`` keeps a seeded random init (tests only).
"""
import math
import typing as tp
from pathlib import Path

import cv2
import numpy as np
import torch
import torchvision
from torch import nn
from torchvision.models.optical_flow import Raft_Large_Weights, Raft_Small_Weights, raft_large, raft_small

from ..media.video import Video
from . import RAFT_WEIGHT_ENUMS, is_raft_weights_name
from .base import Extractor
from .checkpoint import CheckpointError, build_model, check_fits, state_checksum
from .flow_cnn import CHANNELS, fixed_flow_cnn
from .pairs import pair_features

RAFT_MODELS = {"small": raft_small, "large": raft_large}


def weights_name(weights: tp.Optional[tp.Union[str, Path]]) -> tp.Optional[tp.Union[Raft_Small_Weights,
                                                                                       Raft_Large_Weights]]:
    """The torchvision weights ``weights`` names (``Raft_Small_Weights.C_T_V2``, ...), or None for a file path."""
    if weights is None or not is_raft_weights_name(str(weights)):
        return None
    try:
        return torchvision.models.get_weight(str(weights))
    except (ValueError, AttributeError, KeyError) as exc:
        raise CheckpointError(f"{weights}: not a torchvision RAFT weights name (e.g. Raft_Small_Weights.C_T_V2, "
                              f"Raft_Large_Weights.DEFAULT): {exc}.") from exc


def load_torchvision_weights(model: nn.Module, weights: tp.Union[Raft_Small_Weights, Raft_Large_Weights]) -> None:
    """Load torchvision's ``weights`` into ``model`` (from torch's hub cache; downloaded once if absent)."""
    try:
        state = weights.get_state_dict(progress=False, check_hash=True)
    except Exception as exc:  # URLError, hash mismatch, ...: say where the file is expected
        target = Path(torch.hub.get_dir()) / "checkpoints" / Path(weights.url).name
        raise CheckpointError(f"{weights}: cannot fetch {weights.url} ({type(exc).__name__}: {exc}); put the file "
                              f"at {target} or pass a local checkpoint file.") from exc
    check_fits(model, state, str(weights))
    model.load_state_dict(state)


class RaftExtractor(Extractor):
    """RAFT + flow CNN motion features, ``[T, 256]`` at ``fps``.

    Args:
        weights: torchvision weights name or path of a RAFT state dict (module docstring), or None
            for a random init.
        model: ``"small"`` or ``"large"``; default: the size of a weights name, else ``"small"``.
        fps: rate of the resampled frames and of the features (5 in the paper).
        side: shorter side of the frames given to RAFT (>= 128).
        flow_updates: RAFT refinement iterations.
        cnn_seed: seed of the fixed flow embedding CNN.
        batch_size: frame pairs given to RAFT at once.
        device: where RAFT and the CNN run (``cpu``, ``cuda``).
    """
    name = "raft"
    modality = "motion"
    version = "2"

    def __init__(self, weights: tp.Optional[tp.Union[str, Path]] = None, model: tp.Optional[str] = None,
                 fps: float = 5., side: int = 256, flow_updates: int = 12, cnn_seed: int = 0, batch_size: int = 4,
                 device: str = "cpu"):
        named = weights_name(weights)
        named_size = None if named is None else RAFT_WEIGHT_ENUMS[type(named).__name__]
        if model is not None and named_size is not None and model != named_size:
            raise ValueError(f"RAFT model {model!r} does not match the weights {weights} (a {named_size} model).")
        model = model or named_size or "small"
        if model not in RAFT_MODELS:
            raise ValueError(f"RAFT model must be one of {sorted(RAFT_MODELS)}, got {model!r}.")
        if side < 128:
            raise ValueError(f"RAFT needs frames of at least 128 pixels per side, got side={side}.")
        self.model_name = model
        self._fps = fps
        self.side = side
        self.max_side = math.ceil(side * 16 / 9)  # decoded frames keep ``side`` up to 16:9 aspect
        self.flow_updates = flow_updates
        self.cnn_seed = cnn_seed
        self.batch_size = batch_size
        self.device = device
        self.raft = build_model(lambda: RAFT_MODELS[model](weights=None, progress=False),
                                None if named is not None else weights)
        if named is not None:
            load_torchvision_weights(self.raft, named)
        self.cnn = fixed_flow_cnn(cnn_seed)
        self.weights_checksum = state_checksum(self.raft)
        self.cnn_checksum = state_checksum(self.cnn)
        self.raft.to(device)
        self.cnn.to(device)

    @property
    def fps(self) -> float:
        return self._fps

    @property
    def dim(self) -> int:
        return CHANNELS[-1]

    def settings(self) -> tp.Dict[str, tp.Any]:
        return {"fps": self._fps, "model": self.model_name, "side": self.side, "flow_updates": self.flow_updates,
                "flow_cnn_seed": self.cnn_seed, "flow_cnn_checksum": self.cnn_checksum}

    def _prepare(self, frame: np.ndarray) -> torch.Tensor:
        height, width = frame.shape[:2]
        scale = self.side / min(height, width)
        size = (round(width * scale / 8) * 8, round(height * scale / 8) * 8)
        resized = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
        return torch.from_numpy(resized).permute(2, 0, 1).float() / 127.5 - 1  # [3, H, W] in [-1, 1]

    def _motion(self, firsts: tp.List[torch.Tensor], seconds: tp.List[torch.Tensor]) -> np.ndarray:
        with torch.inference_mode():
            pair = torch.stack(firsts).to(self.device), torch.stack(seconds).to(self.device)
            flow = self.raft(*pair, num_flow_updates=self.flow_updates)[-1]  # [n, 2, H, W]
            return self.cnn(flow / firsts[0].shape[-1]).cpu().numpy()

    def features(self, video: Video) -> tp.Tuple[np.ndarray, tp.Dict[str, tp.Any]]:
        frames, order = video.prepare(self.grid_fps, self._prepare)
        with torch.inference_mode():
            still = self.cnn(torch.zeros(1, 2, *frames[0].shape[1:], device=self.device))[0].cpu().numpy()
        return pair_features(order, frames, self._motion, still, self.batch_size), {}
