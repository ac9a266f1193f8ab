"""Checks of path arguments that fail at once, before any work (and before torch or audiocraft are imported)."""
import typing as tp
from pathlib import Path

from ..names import XP_ARGV_FILE, XP_CHECKPOINT


def check_output_folder(path: tp.Union[str, Path]) -> None:
    """Raise ``ValueError`` (naming ``path``) if ``path`` cannot be an output folder: it, or a folder above
    it, is an existing file. A folder that does not exist yet is fine (it is created when written to)."""
    path = Path(path)
    blocking = next((p for p in (path, *path.parents) if p.exists() and not p.is_dir()), None)
    if blocking == path:
        raise ValueError(f"{path}: cannot be the output folder, it is an existing file.")
    if blocking is not None:
        raise ValueError(f"{path}: cannot be the output folder, {blocking} is an existing file.")


def is_xp_folder(path: tp.Union[str, Path]) -> bool:
    """Whether ``path`` is a dora XP (training) folder: it holds ``checkpoint.th`` or dora's ``.argv.json``."""
    return any((Path(path) / name).is_file() for name in (XP_CHECKPOINT, XP_ARGV_FILE))
