"""Video decoding with PyAV and resampling to a fixed frame rate by presentation timestamp.

Decoding keeps every frame with its presentation time in seconds (clip time: 0 is the container
start). Rotation metadata (the display matrix) is applied, so frames are stored upright.

Resampling to ``fps`` builds the grid ``t_j = j / fps`` for ``j = 0 .. ceil(end * fps) - 1``, where
``end`` is the presentation time of the last frame plus the median frame interval, and picks for each ``t_j``
the latest frame shown at or before ``t_j``. The grid always starts at clip time 0 so that every
feature file has ``start = 0`` and lines up with the audio; grid times before the first frame
(e.g. 0 .. 0.645 s of a clip whose first frame is at 0.645 s) hold the first frame, and how many
grid frames were held that way is reported as ``held_frames``.
"""
import logging
import math
import typing as tp
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np

logger = logging.getLogger(__name__)
T = tp.TypeVar("T")


class VideoError(ValueError):
    """A video cannot be used: missing, unreadable, no video stream or no frames. Names the file."""


@dataclass
class Video:
    """Decoded frames of one clip.

    Attributes:
        frames: ``uint8 [N, H, W, 3]`` RGB frames, upright (rotation applied).
        times: ``float64 [N]`` presentation time of each frame, seconds from clip time 0, increasing.
        end: time at which the last frame stops being shown (seconds).
        path: the source file.
        rotation: counterclockwise rotation (degrees) that was applied from the display matrix.
    """
    frames: np.ndarray
    times: np.ndarray
    end: float
    path: Path
    rotation: int = 0

    @property
    def num_frames(self) -> int:
        return int(self.frames.shape[0])

    @property
    def first_time(self) -> float:
        return float(self.times[0])

    def grid(self, fps: float) -> "FrameGrid":
        """Indices of the frames shown at ``t_j = j / fps`` (see module docstring)."""
        if fps <= 0:
            raise ValueError(f"{self.path}: target fps must be positive, got {fps}.")
        count = max(1, math.ceil(self.end * fps - 1e-6))
        targets = np.arange(count, dtype=np.float64) / fps
        index = np.searchsorted(self.times, targets + 1e-6, side="right") - 1
        held = int((index < 0).sum())
        return FrameGrid(index=np.clip(index, 0, None), fps=float(fps), held_frames=held)

    def sample(self, fps: float) -> np.ndarray:
        """``uint8 [T, H, W, 3]`` frames on the ``fps`` grid."""
        return self.frames[self.grid(fps).index]

    def prepare(self, fps: float, prepare: tp.Callable[[np.ndarray], T]) -> tp.Tuple[tp.List[T], np.ndarray]:
        """Run ``prepare`` once on each source frame that the ``fps`` grid uses, in time order.

        Returns:
            the prepared frames and ``int [T]``: for each grid frame, its position in that list.
        """
        used, order = np.unique(self.grid(fps).index, return_inverse=True)
        return [prepare(self.frames[i]) for i in used], order


@dataclass
class FrameGrid:
    """A resampling of a :class:`Video` to ``fps``: ``index [T]`` into ``Video.frames``."""
    index: np.ndarray
    fps: float
    held_frames: int

    @property
    def num_frames(self) -> int:
        return int(self.index.shape[0])


def open_container(path: Path) -> av.container.InputContainer:
    """Open ``path`` with PyAV; :class:`VideoError` naming the file if missing, empty or not a container."""
    if not path.exists():
        raise VideoError(f"{path}: video file does not exist.")
    if path.is_dir():
        raise VideoError(f"{path}: is a folder, not a video file.")
    if path.stat().st_size == 0:
        raise VideoError(f"{path}: video file is empty (0 bytes).")
    try:
        return av.open(str(path))
    except (av.error.FFmpegError, UnicodeDecodeError) as exc:
        raise VideoError(f"{path}: cannot open as a media container ({exc}).") from exc


def _frame_rgb(frame: av.VideoFrame, max_side: tp.Optional[int]) -> np.ndarray:
    width, height = frame.width, frame.height
    scale = 1.0 if max_side is None else min(1.0, max_side / max(width, height))
    if scale < 1.0:
        width, height = max(2, round(width * scale)), max(2, round(height * scale))
    rgb = frame.to_ndarray(format="rgb24", width=width, height=height)
    turns = round((frame.rotation or 0) / 90) % 4
    return np.ascontiguousarray(np.rot90(rgb, k=turns)) if turns else rgb


def read_video(path: tp.Union[str, Path], max_side: tp.Optional[int] = None) -> Video:
    """Decode all frames of the first video stream of ``path`` with their timestamps.

    Args:
        path: any container/codec FFmpeg reads.
        max_side: if given, frames are downscaled (aspect kept) so that their longer side is at most this.
    Raises:
        VideoError: missing/empty/corrupt file, no video stream, or no decodable frame.
    """
    path = Path(path)
    with open_container(path) as container:
        if not container.streams.video:
            raise VideoError(f"{path}: no video stream (streams: "
                             f"{[s.type for s in container.streams] or 'none'}).")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        frames, times, rotation = [], [], 0
        nominal_step = 1 / float(stream.average_rate) if stream.average_rate else 1 / 25
        try:
            for frame in container.decode(stream):
                if frame.time is None:
                    continue
                frames.append(_frame_rgb(frame, max_side))
                times.append(float(frame.time))
                rotation = int(frame.rotation or 0)
        except av.error.FFmpegError as exc:
            if not frames:
                raise VideoError(f"{path}: corrupt video stream ({exc}).") from exc
            logger.warning("%s: decoding stopped after %d frames: %s", path, len(frames), exc)
    if not frames:
        raise VideoError(f"{path}: video stream has zero decodable frames.")
    order = np.argsort(times, kind="stable")
    times_arr = np.asarray(times, dtype=np.float64)[order]
    step = float(np.median(np.diff(times_arr))) if len(times_arr) > 1 else nominal_step
    return Video(frames=np.stack([frames[i] for i in order]), times=times_arr,
                 end=float(times_arr[-1] + step), path=path, rotation=rotation)


def downscale(frame: np.ndarray, side: int) -> np.ndarray:
    """``frame`` resized (aspect kept) so its longer side is at most ``side``."""
    height, width = frame.shape[:2]
    scale = side / max(height, width)
    if scale >= 1:
        return frame
    return cv2.resize(frame, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
