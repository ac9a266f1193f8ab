"""Opening media files with PyAV, and the one error type for unusable media."""
import typing as tp
from pathlib import Path

import av


class MediaError(ValueError):
    """A media file cannot be used: missing, empty, unreadable, corrupt, or without the stream needed.

    The message always starts with the file's path.
    """


def open_container(path: tp.Union[str, Path]) -> av.container.InputContainer:
    """Open ``path`` for reading with PyAV.

    Raises:
        MediaError: the file is missing, a folder, empty, or not a media container.
    """
    path = Path(path)
    if not path.exists():
        raise MediaError(f"{path}: file does not exist.")
    if path.is_dir():
        raise MediaError(f"{path}: is a folder, not a media file.")
    if path.stat().st_size == 0:
        raise MediaError(f"{path}: file is empty (0 bytes).")
    try:
        return av.open(str(path))
    except (av.error.FFmpegError, UnicodeDecodeError) as exc:
        raise MediaError(f"{path}: cannot open as a media container ({exc}).") from exc


def first_stream(container: av.container.InputContainer, kind: str, path: Path) -> av.stream.Stream:
    """The first ``kind`` (``"video"`` / ``"audio"``) stream of ``container``; :class:`MediaError` if none."""
    streams = getattr(container.streams, kind)
    if not streams:
        raise MediaError(f"{path}: no {kind} stream (streams: {[s.type for s in container.streams] or 'none'}).")
    return streams[0]
