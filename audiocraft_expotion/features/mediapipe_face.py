"""Facial expression features from MediaPipe Face Mesh landmarks (offline, weights in the wheel).

The clip is resampled by timestamp to ``fps`` (10 by default) and Face Mesh (468 landmarks, tracking
mode) runs on each used frame, downscaled to ``side`` (320) pixels. Per frame (``dim = 2 * L + 13``, 317):

- ``[0:2L]``: ``(x, y)`` of the ``L = 152`` landmarks of the lips, eyes, eyebrows, nose and face oval
  (MediaPipe's connection sets, sorted by index), relative to the face box (0..1 inside the box);
- 9 expression measures: mouth opening and width, left/right eye opening, left/right eyebrow raise,
  head yaw, pitch and roll proxies (see :func:`expression_measures`);
- face box centre x, y and size in the frame (0..1), and a presence flag (1 = face found).

Frames without a face get features interpolated from the nearest frames with one (held at the clip
ends) and presence 0; a clip without any face gets zeros (logged).
"""
import logging
import typing as tp

import numpy as np

from .base import Extractor, mediapipe_weights
from .gaps import fill_gaps
from ..media.video import Video, downscale

logger = logging.getLogger(__name__)

# Face Mesh landmark indices (subject's left/right).
UPPER_LIP, LOWER_LIP, MOUTH_LEFT, MOUTH_RIGHT = 13, 14, 291, 61
LEFT_EYE = (386, 374, 362, 263)  # top, bottom, inner corner, outer corner
RIGHT_EYE = (159, 145, 133, 33)
LEFT_BROW, RIGHT_BROW = 334, 105
NOSE_TIP, FOREHEAD, CHIN, LEFT_CHEEK, RIGHT_CHEEK = 1, 10, 152, 454, 234


def _landmark_subset() -> np.ndarray:
    from mediapipe.python.solutions import face_mesh_connections as connections
    sets = [connections.FACEMESH_LIPS, connections.FACEMESH_LEFT_EYE, connections.FACEMESH_RIGHT_EYE,
            connections.FACEMESH_LEFT_EYEBROW, connections.FACEMESH_RIGHT_EYEBROW,
            connections.FACEMESH_NOSE, connections.FACEMESH_FACE_OVAL]
    return np.array(sorted({i for edges in sets for edge in edges for i in edge}))


def expression_measures(points: np.ndarray) -> np.ndarray:
    """9 scale-free measures from ``[468, 2]`` landmark coordinates (pixels).

    Mouth opening / face height, mouth width / face width, eye opening / eye width (left, right),
    brow-to-eye distance / face height (left, right), yaw (nose offset from cheek midpoint / face width),
    pitch (nose offset from forehead-chin midpoint / face height), roll (eye-line angle, radians).
    """
    def dist(a: int, b: int) -> float:
        return float(np.linalg.norm(points[a] - points[b]))
    face_height, face_width = dist(FOREHEAD, CHIN) + 1e-6, dist(LEFT_CHEEK, RIGHT_CHEEK) + 1e-6
    eyes = [dist(top, bottom) / (dist(inner, outer) + 1e-6) for top, bottom, inner, outer in (LEFT_EYE, RIGHT_EYE)]
    brows = [dist(LEFT_BROW, LEFT_EYE[0]) / face_height, dist(RIGHT_BROW, RIGHT_EYE[0]) / face_height]
    yaw = (points[NOSE_TIP, 0] - (points[LEFT_CHEEK, 0] + points[RIGHT_CHEEK, 0]) / 2) / face_width
    pitch = (points[NOSE_TIP, 1] - (points[FOREHEAD, 1] + points[CHIN, 1]) / 2) / face_height
    eye_line = points[LEFT_EYE[3]] - points[RIGHT_EYE[3]]
    roll = np.arctan2(eye_line[1], eye_line[0])
    return np.array([dist(UPPER_LIP, LOWER_LIP) / face_height, dist(MOUTH_LEFT, MOUTH_RIGHT) / face_width,
                     *eyes, *brows, yaw, pitch, roll])


class MediapipeFaceExtractor(Extractor):
    """Face Mesh expression features, ``[T, 317]`` at ``fps`` (module docstring).

    Args:
        fps: rate of the resampled frames and of the features.
        side: longer side of the frames given to Face Mesh.
    """
    name = "mediapipe_face"
    modality = "face"
    version = "1"

    def __init__(self, fps: float = 10., side: int = 320):
        self._fps = fps
        self.side = side
        self.max_side = side
        self.landmarks = _landmark_subset()

    @property
    def fps(self) -> float:
        return self._fps

    @property
    def dim(self) -> int:
        return 2 * len(self.landmarks) + 13

    def settings(self) -> tp.Dict[str, tp.Any]:
        return {"fps": self._fps, "side": self.side, "landmarks": len(self.landmarks), "weights": mediapipe_weights()}

    def _frame_features(self, mesh: tp.Any, frame: np.ndarray) -> np.ndarray:
        frame = downscale(frame, self.side)
        result = mesh.process(frame)
        if not result.multi_face_landmarks:
            return np.full(self.dim, np.nan)
        height, width = frame.shape[:2]
        points = np.array([(p.x * width, p.y * height) for p in result.multi_face_landmarks[0].landmark])
        low, high = points.min(axis=0), points.max(axis=0)
        size = np.maximum(high - low, 1e-6)
        relative = (points[self.landmarks] - low) / size
        box = [(low[0] + high[0]) / 2 / width, (low[1] + high[1]) / 2 / height, size.max() / max(width, height)]
        return np.concatenate([relative.reshape(-1), expression_measures(points), box, [1.]])

    def features(self, video: Video) -> tp.Tuple[np.ndarray, tp.Dict[str, tp.Any]]:
        import mediapipe as mp
        with mp.solutions.face_mesh.FaceMesh(static_image_mode=False, max_num_faces=1) as mesh:
            rows, order = video.prepare(self.grid_fps, lambda frame: self._frame_features(mesh, frame))
        values, missing = fill_gaps(np.stack(rows))
        values[:, -1] = [0. if np.isnan(row[-1]) else 1. for row in rows]
        if missing == len(rows):
            logger.warning("%s: no face in any frame; using zeros.", video.path)
        elif missing:
            logger.warning("%s: no face in %d of %d frames, features interpolated from neighbours.",
                           video.path, missing, len(rows))
        return values[order], {"face_frames_missing": missing, "face_frames": len(rows)}
