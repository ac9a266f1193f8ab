"""Face detection and square face crops (the input of the MARLIN encoder).

Detection uses MediaPipe's face detector (full-range model, shipped in the wheel); frames where it
finds nothing are tried with OpenCV's frontal-face Haar cascade. Frames where neither finds a face
get a box linearly interpolated from the nearest frames with a face (held at the clip ends); if no
frame of the clip has a face, the whole frame (centre square) is used. Both cases are logged.
"""
import logging
import typing as tp

import cv2
import numpy as np

from .gaps import fill_gaps

logger = logging.getLogger(__name__)


class FaceDetector:
    """Largest face of a frame as a normalized ``(x0, y0, x1, y1)`` box.

    Args:
        min_confidence: MediaPipe detection threshold.
    """
    def __init__(self, min_confidence: float = 0.5):
        import mediapipe as mp
        self._mediapipe = mp.solutions.face_detection.FaceDetection(
            model_selection=1, min_detection_confidence=min_confidence)
        self._haar = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")

    def _mediapipe_box(self, frame: np.ndarray) -> tp.Optional[np.ndarray]:
        result = self._mediapipe.process(frame)
        if not result.detections:
            return None
        boxes = [d.location_data.relative_bounding_box for d in result.detections]
        best = max(boxes, key=lambda b: b.width * b.height)
        return np.array([best.xmin, best.ymin, best.xmin + best.width, best.ymin + best.height])

    def _haar_box(self, frame: np.ndarray) -> tp.Optional[np.ndarray]:
        gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
        faces = self._haar.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5)
        if len(faces) == 0:
            return None
        x, y, w, h = max(faces, key=lambda f: f[2] * f[3])
        height, width = gray.shape
        return np.array([x / width, y / height, (x + w) / width, (y + h) / height])

    def detect(self, frame: np.ndarray) -> tp.Optional[np.ndarray]:
        """Box of the largest face in a ``uint8 [H, W, 3]`` RGB frame, or None."""
        box = self._mediapipe_box(frame)
        return self._haar_box(frame) if box is None else box

    def boxes(self, frames: tp.Sequence[np.ndarray], source: str = "video") -> tp.Tuple[np.ndarray, int]:
        """``[N, 4]`` boxes for N ``[H, W, 3]`` frames, gaps filled (module docstring); and the gap count."""
        raw = np.full((len(frames), 4), np.nan)
        for i, frame in enumerate(frames):
            box = self.detect(frame)
            if box is not None:
                raw[i] = box
        boxes, missing = fill_gaps(raw)
        if missing == len(frames):
            logger.warning("%s: no face found in any frame, using the full frame.", source)
            height, width = frames[0].shape[:2]
            side = min(height, width)
            boxes[:] = [(width - side) / 2 / width, (height - side) / 2 / height,
                        (width + side) / 2 / width, (height + side) / 2 / height]
        elif missing:
            logger.warning("%s: no face in %d of %d frames, boxes interpolated from neighbours.",
                           source, missing, len(frames))
        return boxes, missing


def crop_face(frame: np.ndarray, box: np.ndarray, size: int, margin: float = 0.25) -> np.ndarray:
    """``uint8 [size, size, 3]`` square crop around a normalized ``box`` enlarged by ``margin`` per side."""
    height, width = frame.shape[:2]
    x0, y0, x1, y1 = box * np.array([width, height, width, height])
    side = max(x1 - x0, y1 - y0) * (1 + 2 * margin)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    scale = size / max(side, 1.)
    affine = np.array([[scale, 0, size / 2 - cx * scale], [0, scale, size / 2 - cy * scale]], dtype=np.float64)
    return cv2.warpAffine(frame, affine, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
