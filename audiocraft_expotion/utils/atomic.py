"""Atomic file writes: a killed process never leaves a truncated file behind.

The data is written to a temporary file in the destination folder, flushed to disk, then renamed
over the destination with ``os.replace`` (atomic on POSIX and Windows within one file system).
"""
import os
import tempfile
import typing as tp
from pathlib import Path


def atomic_write_bytes(path: tp.Union[str, Path], write: tp.Callable[[tp.BinaryIO], None]) -> None:
    """Write ``path`` atomically: ``write(f)`` fills a temporary binary file which then replaces ``path``.

    The parent folder is created if needed; on any error the temporary file is removed and the error
    re-raised, leaving a previous ``path`` untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600 files; give them the usual permissions
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_text(path: tp.Union[str, Path], text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically (see :func:`atomic_write_bytes`)."""
    data = text.encode("utf-8")
    atomic_write_bytes(path, lambda f: f.write(data))
