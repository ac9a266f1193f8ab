"""The video reader: frames with presentation timestamps, upright, resampled to frame-rate grids.

Frames carry their presentation time in seconds (clip time: 0 is the container start); rotation
metadata (the display matrix) is applied, so frames are upright, and ``max_side`` downscales them
while decoding.

Resampling to ``fps`` builds the grid ``t_j = j / fps`` for ``j = 0 .. ceil(end * fps) - 1``, where
``end`` is the presentation time of the last frame plus the median frame interval, and picks for
each ``t_j`` the latest frame shown at or before ``t_j``. The grid always starts at clip time 0 so
that every feature file has ``start = 0`` and lines up with the audio; grid times before the first
frame (e.g. 0 .. 0.645 s of a clip whose first frame is at 0.645 s) hold the first frame, and how
many grid frames were held that way is reported as ``held_frames``.

Only the frames a grid shows are kept: :func:`read_video` with ``fps`` (one rate or several)
converts and stores a decoded frame only if some grid time of those rates falls in the interval
during which it is shown (plus the first frame, which the held grid times show). The grids of
those rates are then exactly what decoding every frame would give, and memory is bounded by the
grid's size, not the source's frame count (a 10 s 640x480 clip read for 8 grid frames keeps 9
frames, 7 MB instead of 123 MB).
"""
import logging
import math
import typing as tp
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from .container import MediaError, first_stream, open_container

logger = logging.getLogger(__name__)
T = tp.TypeVar("T")
_EPS = 1e-6  # seconds: timestamps within this of a grid time count as shown at it


@dataclass
class FrameGrid:
    """A resampling of a :class:`Video` to ``fps``: ``index [T]`` into ``Video.frames``."""
    index: np.ndarray
    fps: float
    held_frames: int

    @property
    def num_frames(self) -> int:
        return int(self.index.shape[0])


@dataclass
class Video:
    """Decoded frames of one clip.

    Attributes:
        frames: ``uint8 [N, H, W, 3]`` RGB frames, upright (rotation applied); all frames of the
            source, or only those the grids of ``rates`` show.
        times: ``float64 [N]`` presentation time of each frame, seconds from clip time 0, increasing.
        end: time at which the last frame stops being shown (seconds).
        path: the source file.
        rotation: counterclockwise rotation (degrees) that was applied from the display matrix.
        source_frames: number of frames decoded from the source (``>= N``).
        rates: the frame rates (fps) whose grids ``frames`` was kept for; None: every frame was kept.
    """
    frames: np.ndarray
    times: np.ndarray
    end: float
    path: Path
    rotation: int = 0
    source_frames: int = 0
    rates: tp.Optional[tp.Tuple[float, ...]] = None

    @property
    def num_frames(self) -> int:
        return int(self.frames.shape[0])

    @property
    def first_time(self) -> float:
        return float(self.times[0])

    def grid(self, fps: float) -> FrameGrid:
        """Indices of the frames shown at ``t_j = j / fps`` (see module docstring).

        Raises:
            ValueError: ``fps`` is not positive, or the video was read for other rates only.
        """
        if fps <= 0:
            raise ValueError(f"{self.path}: target fps must be positive, got {fps}.")
        if self.rates is not None and not any(math.isclose(fps, rate) for rate in self.rates):
            raise ValueError(f"{self.path}: read for the {list(self.rates)} fps grids only, not {fps} fps; "
                             f"pass every rate you sample at to read_video(fps=...).")
        count = max(1, math.ceil(self.end * fps - _EPS))
        targets = np.arange(count, dtype=np.float64) / fps
        index = np.searchsorted(self.times, targets + _EPS, side="right") - 1
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


class _GridFilter:
    """Decides, while decoding, whether a frame is shown at some grid time of ``rates``.

    A frame shown from ``t`` until the next frame's time ``t_next`` is needed iff some ``j / fps``
    lies in ``[t - eps, t_next - eps)``. Frames may arrive out of presentation order: a frame is
    judged against the next *arriving* time only when that time is later (which can only widen
    the interval, so no needed frame is dropped); otherwise, and for the earliest frame, it is kept.
    """

    def __init__(self, rates: tp.Optional[tp.Sequence[float]]):
        self.rates = None if rates is None else tuple(float(r) for r in rates)
        if self.rates is not None and (not self.rates or min(self.rates) <= 0):
            raise ValueError(f"fps must be positive, got {list(self.rates)}.")

    def shown(self, time: float, next_time: float) -> bool:
        if self.rates is None or next_time <= time:
            return True
        return any(max(0, math.ceil((time - 2 * _EPS) * fps)) / fps < next_time - _EPS for fps in self.rates)


def _frame_rgb(frame: av.VideoFrame, max_side: tp.Optional[int]) -> np.ndarray:
    width, height = frame.width, frame.height
    scale = 1.0 if max_side is None else min(1.0, max_side / max(width, height))
    if scale < 1.0:
        width, height = max(2, round(width * scale)), max(2, round(height * scale))
    rgb = frame.to_ndarray(format="rgb24", width=width, height=height)
    turns = round((frame.rotation or 0) / 90) % 4
    return np.ascontiguousarray(np.rot90(rgb, k=turns)) if turns else rgb


def read_video(path: tp.Union[str, Path], fps: tp.Union[None, float, tp.Sequence[float]] = None,
               max_side: tp.Optional[int] = None) -> Video:
    """Decode the first video stream of ``path``, keeping the frames the ``fps`` grids show.

    Args:
        path: any container/codec FFmpeg reads.
        fps: the frame rate(s) the caller will sample at (:meth:`Video.grid`, ``sample``,
            ``prepare``); only frames those grids show are converted and kept (see module
            docstring). None keeps every frame.
        max_side: if given, frames are downscaled (aspect kept) so that their longer side is at most this.
    Raises:
        MediaError: missing/empty/corrupt file, no video stream, or no decodable frame.
        ValueError: a non-positive ``fps``.
    """
    path = Path(path)
    keep = _GridFilter(None if fps is None else ([fps] if isinstance(fps, (int, float)) else list(fps)))
    frames: tp.List[np.ndarray] = []
    times: tp.List[float] = []
    all_times: tp.List[float] = []
    pending: tp.Optional[av.VideoFrame] = None
    earliest = math.inf  # the earliest time of the frames decoded before ``pending``
    rotation = 0

    def settle(frame: av.VideoFrame, next_time: float) -> None:
        """Keep ``frame`` if it is the earliest so far (held grid times show it) or a grid time shows it."""
        if frame.time < earliest or keep.shown(frame.time, next_time):
            frames.append(_frame_rgb(frame, max_side))
            times.append(float(frame.time))

    with open_container(path) as container:
        stream = first_stream(container, "video", path)
        stream.thread_type = "AUTO"
        nominal_step = 1 / float(stream.average_rate) if stream.average_rate else 1 / 25
        try:
            for frame in container.decode(stream):
                if frame.time is None:
                    continue
                all_times.append(float(frame.time))
                rotation = int(frame.rotation or 0)
                if pending is not None:
                    settle(pending, float(frame.time))
                    earliest = min(earliest, float(pending.time))
                pending = frame
        except av.error.FFmpegError as exc:
            if pending is None:
                raise MediaError(f"{path}: corrupt video stream ({exc}).") from exc
            logger.warning("%s: decoding stopped after %d frames: %s", path, len(all_times), exc)
        if pending is None:
            raise MediaError(f"{path}: video stream has zero decodable frames.")
        decoded = np.sort(np.asarray(all_times, dtype=np.float64))
        end = float(decoded[-1] + (np.median(np.diff(decoded)) if len(decoded) > 1 else nominal_step))
        settle(pending, max(end, float(pending.time) + _EPS))
    order = np.argsort(times, kind="stable")
    return Video(frames=np.stack([frames[i] for i in order]), times=np.asarray(times, dtype=np.float64)[order],
                 end=end, path=path, rotation=rotation, source_frames=len(decoded),
                 rates=keep.rates)


def downscale(frame: np.ndarray, side: int) -> np.ndarray:
    """``frame`` (``[H, W, C]``) resized with OpenCV's area filter (aspect kept), longer side at most ``side``."""
    height, width = frame.shape[:2]
    scale = side / max(height, width)
    if scale >= 1:
        return frame
    import cv2  # only the extractors that downscale need OpenCV
    return cv2.resize(frame, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
