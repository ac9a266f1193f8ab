"""Dense optical flow summaries with OpenCV (offline, no learned weights).

The clip is resampled by timestamp to ``fps`` (10 by default), frames are converted to grayscale
and downscaled so the longer side is ``side`` pixels, and DIS optical flow (``ultrafast`` preset)
is computed for each consecutive pair (timing in :mod:`.pairs`). Flow is expressed in frame widths
per second, so the features do not depend on the resolution or the rate. Per frame
(``dim = 5 + grid * grid``, 21 by default):

- ``[0:3]`` mean, standard deviation and 95th percentile of the flow magnitude;
- ``[3:5]`` mean horizontal and vertical flow (mean direction, magnitude-weighted);
- ``[5:]`` mean magnitude in each cell of a ``grid x grid`` split of the frame, row-major (energy per region).
"""
import typing as tp

import cv2
import numpy as np

from .base import Extractor
from .pairs import pair_features
from ..media.video import Video, downscale


def flow_summary(flow: np.ndarray, grid: int) -> np.ndarray:
    """``[5 + grid^2]`` summary of a ``[H, W, 2]`` flow field (module docstring)."""
    magnitude = np.linalg.norm(flow, axis=-1)
    height, width = magnitude.shape
    cells = magnitude[:height - height % grid, :width - width % grid]
    cells = cells.reshape(grid, height // grid, grid, width // grid).mean(axis=(1, 3))
    stats = [magnitude.mean(), magnitude.std(), np.percentile(magnitude, 95), flow[..., 0].mean(), flow[..., 1].mean()]
    return np.concatenate([np.array(stats), cells.reshape(-1)])


class FlowExtractor(Extractor):
    """OpenCV DIS flow summaries, ``[T, 5 + grid^2]`` at ``fps``.

    Args:
        fps: rate of the resampled frames and of the features.
        side: longer side (pixels) of the frames the flow is computed on.
        grid: regions per side for the regional energy.
    """
    name = "flow"
    modality = "motion"
    version = "1"

    def __init__(self, fps: float = 10., side: int = 160, grid: int = 4):
        self._fps = fps
        self.side = side
        self.grid = grid
        self.max_side = side
        self._dis = cv2.DISOpticalFlow.create(cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST)

    @property
    def fps(self) -> float:
        return self._fps

    @property
    def dim(self) -> int:
        return 5 + self.grid * self.grid

    def settings(self) -> tp.Dict[str, tp.Any]:
        return {"fps": self._fps, "side": self.side, "grid": self.grid, "method": "DIS-ultrafast"}

    def _gray(self, frame: np.ndarray) -> np.ndarray:
        return cv2.cvtColor(downscale(frame, self.side), cv2.COLOR_RGB2GRAY)

    def _motion(self, firsts: tp.List[np.ndarray], seconds: tp.List[np.ndarray]) -> np.ndarray:
        flows = [self._dis.calc(first, second, None) * (self._fps / first.shape[1])
                 for first, second in zip(firsts, seconds)]
        return np.stack([flow_summary(flow, self.grid) for flow in flows])

    def features(self, video: Video) -> tp.Tuple[np.ndarray, tp.Dict[str, tp.Any]]:
        frames, order = video.prepare(self.grid_fps, self._gray)
        return pair_features(order, frames, self._motion, np.zeros(self.dim)), {}
