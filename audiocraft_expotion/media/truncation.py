"""Refusing a truncated video that still opens: the one check of ``generate``, ``features extract`` and
``data.build_manifest`` (each with ``--allow-truncated``).

A "fast start" MP4 (its index first) that is cut short still opens: its header declares the full
duration, its packets stop early, and a reader silently returns the part that is there.
"""
import logging
import typing as tp
from pathlib import Path

from .container import MediaError, open_container
from .probe import VideoInfo, probe_video

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


def check_file_not_truncated(path: tp.Union[str, Path], allow: bool = False) -> None:
    """:func:`check_not_truncated` for a file, as the batch command lines need it: a file without a video
    stream, or that cannot be read at all, is left to the reader that uses it (which names the problem).

    Raises:
        TruncatedMediaError: see :func:`check_not_truncated`.
    """
    try:
        info = probe_video(path)
    except MediaError:
        return
    check_not_truncated(info, allow)
