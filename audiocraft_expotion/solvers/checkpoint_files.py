"""Checkpoint files of an XP folder: keep the last N, and finish or remove what a killed write left.

audiocraft 1.3.0 saves ``checkpoint.th`` (and ``checkpoint_<epoch>.th``) through
``flashy.utils.write_and_rename``: ``<file>.tmp`` is written, a ``<file>.tmp.done`` token is touched
once it is complete, then it is renamed. Our own writes (samples, evaluation files) go through
:mod:`audiocraft_expotion.utils.atomic`: hidden ``.<name>.<random>.tmp`` files renamed when complete.
A ``kill -9`` can leave either kind behind.
"""
import logging
import os
import typing as tp
from pathlib import Path

logger = logging.getLogger(__name__)
TMP_SUFFIX = ".tmp"
DONE_SUFFIX = ".tmp.done"


def clean_partial_writes(folder: tp.Union[str, Path]) -> tp.List[Path]:
    """Finish or remove the temporary files of killed writes under ``folder``; returns what was removed.

    A checkpoint ``.tmp`` whose ``.tmp.done`` token exists is complete and replaces its checkpoint
    (as audiocraft does for sharded checkpoints); any other ``.tmp`` file is incomplete and removed,
    with stale tokens.
    """
    folder = Path(folder)
    removed = []
    for token in sorted(folder.glob(f"checkpoint*{DONE_SUFFIX}")):
        tmp = token.with_name(token.name[:-len(".done")])
        if tmp.is_file():
            os.replace(tmp, tmp.with_name(tmp.name[:-len(TMP_SUFFIX)]))
            logger.info("Completed the interrupted write of %s.", tmp.with_name(tmp.name[:-len(TMP_SUFFIX)]))
        token.unlink()
    leftovers = list(folder.glob(f"checkpoint*.th*{TMP_SUFFIX}")) + list(folder.rglob(f".*{TMP_SUFFIX}"))
    for path in sorted(set(leftovers)):
        if path.is_file():
            path.unlink()
            removed.append(path)
            logger.warning("Removed %s, left by an interrupted write.", path)
    return removed
