"""Refusing inputs that would give silently wrong results, and outputs that would overwrite the input.

- A truncated file that still opens (e.g. a "fast start" MP4 cut short: its header declares the
  full duration, its packets stop early) is refused unless the user allows it.
- No output (the MP4, or the wav / png written next to it) may be the input video itself.
"""
import logging
import os
import typing as tp
from pathlib import Path

from ..media.container import MediaError, open_container
from ..media.probe import VideoInfo

logger = logging.getLogger(__name__)

# A file is truncated when its packets end this much before the duration its header declares:
# more than TRUNCATION_FRAMES average frames and more than TRUNCATION_S seconds.
TRUNCATION_FRAMES = 2
TRUNCATION_S = 0.1


class TruncatedMediaError(MediaError):
    """The video's packets stop well before the duration its header declares."""


def declared_duration(path: tp.Union[str, Path]) -> tp.Optional[float]:
    """Seconds of picture the header of ``path`` declares for its first video stream (None: not declared).

    The stream's own duration counts from its first frame; without one, the container's duration
    (from clip time 0) is used.
    """
    with open_container(Path(path)) as container:
        stream = container.streams.video[0]
        if stream.duration:
            return float(stream.duration * stream.time_base)
        if container.duration:
            return container.duration / 1e6 - max(0., float(container.start_time or 0) / 1e6)
    return None


def check_not_truncated(info: VideoInfo, allow: bool = False) -> None:
    """Raise :class:`TruncatedMediaError` (naming the file, decoded vs declared seconds) if ``info.path`` is cut short.

    ``info`` is the file's :func:`~.probe.probe_video` (timing read from its packets). With ``allow``,
    a truncated file is only logged as a warning.
    """
    declared = declared_duration(info.path)
    if declared is None:
        return
    decoded = info.end - info.start
    frame = decoded / max(1, info.num_frames)
    if declared - decoded <= max(TRUNCATION_FRAMES * frame, TRUNCATION_S):
        return
    message = (f"{info.path}: truncated video: its frames cover {decoded:.2f} s but its header declares "
               f"{declared:.2f} s.")
    if not allow:
        raise TruncatedMediaError(f"{message} Pass --allow-truncated to use the {decoded:.2f} s that are there.")
    logger.warning("%s Using the %.2f s that are there (--allow-truncated).", message, decoded)


def _same_file(a: Path, b: Path) -> bool:
    if a.exists() and b.exists():
        return os.path.samefile(a, b)
    return a.resolve() == b.resolve()


def check_outputs_spare_input(video: tp.Union[str, Path], outputs: tp.Iterable[tp.Union[str, Path]]) -> None:
    """Raise ``ValueError`` if any of ``outputs`` is the input ``video`` (same path, link or hard link)."""
    video = Path(video)
    for output in map(Path, outputs):
        if _same_file(output, video):
            raise ValueError(f"{output}: this output would overwrite the input video {video}; "
                             "choose another output path (-o).")
