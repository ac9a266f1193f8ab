"""Upper-body pose features from MediaPipe Pose (offline, the full model shipped in the wheel).

The clip is resampled by timestamp to ``fps`` (5 by default, the paper's motion rate; Pose is the
slowest offline model) and Pose (tracking mode) runs on each used frame, downscaled to ``side``
(320) pixels. The 25 upper-body landmarks (nose .. hips, MediaPipe
indices 0-24) give per frame (``dim = 25 * 5 + 1 = 126``):

- ``[0:50]``: ``(x, y)`` of each landmark in the frame (0..1);
- ``[50:75]``: visibility of each landmark (0..1);
- ``[75:125]``: velocity ``(dx/dt, dy/dt)`` of each landmark in frame sizes per second (central
  differences on the ``fps`` grid, one-sided at the ends);
- ``[125]``: presence flag (1 = person found).

Frames without a person get positions interpolated from the nearest frames with one (held at the
clip ends) and presence 0; a clip without anybody gets zeros (logged).
"""
import logging
import typing as tp

import numpy as np

from .base import Extractor, mediapipe_weights
from .gaps import fill_gaps
from ..media.video import Video, downscale

logger = logging.getLogger(__name__)

UPPER_BODY = 25


class MediapipePoseExtractor(Extractor):
    """Upper-body pose positions and velocities, ``[T, 126]`` at ``fps`` (module docstring).

    Args:
        fps: rate of the resampled frames and of the features.
        side: longer side of the frames given to Pose.
    """
    name = "mediapipe_pose"
    modality = "motion"
    version = "1"

    def __init__(self, fps: float = 5., side: int = 320):
        self._fps = fps
        self.side = side
        self.max_side = side

    @property
    def fps(self) -> float:
        return self._fps

    @property
    def dim(self) -> int:
        return UPPER_BODY * 5 + 1

    def settings(self) -> tp.Dict[str, tp.Any]:
        return {"fps": self._fps, "side": self.side, "model_complexity": 1, "weights": mediapipe_weights()}

    @staticmethod
    def _frame_landmarks(pose: tp.Any, frame: np.ndarray, side: int) -> np.ndarray:
        result = pose.process(downscale(frame, side))
        if result.pose_landmarks is None:
            return np.full(UPPER_BODY * 3, np.nan)
        points = result.pose_landmarks.landmark[:UPPER_BODY]
        return np.array([[p.x for p in points], [p.y for p in points], [p.visibility for p in points]]).T.reshape(-1)

    def features(self, video: Video) -> tp.Tuple[np.ndarray, tp.Dict[str, tp.Any]]:
        import mediapipe as mp
        with mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1) as pose:
            rows, order = video.prepare(self.grid_fps, lambda frame: self._frame_landmarks(pose, frame, self.side))
        values, missing = fill_gaps(np.stack(rows))
        if missing:
            logger.warning("%s: no person in %d of %d frames, pose interpolated from neighbours.",
                           video.path, missing, len(rows))
        present = np.array([0. if np.isnan(row[0]) else 1. for row in rows])[order]
        landmarks = values[order].reshape(-1, UPPER_BODY, 3)
        positions = landmarks[..., :2]
        velocity = np.gradient(positions, 1 / self._fps, axis=0) if len(positions) > 1 else np.zeros_like(positions)
        features = np.concatenate([positions.reshape(len(order), -1), landmarks[..., 2],
                                   velocity.reshape(len(order), -1), present[:, None]], axis=1)
        return features, {"pose_frames_missing": missing, "pose_frames": len(rows)}
