"""Per-frame motion from consecutive frames of a resampled clip.

Output frame ``j`` describes the motion from grid frame ``j`` to grid frame ``j + 1`` (the interval
``[t_j, t_j+1)``); the last frame, which has no successor, repeats the one before it. Pairs made of the
same source frame (held frames) have no motion and get ``still`` without running the flow model.
"""
import typing as tp

import numpy as np


def pair_features(order: np.ndarray, frames: tp.Sequence[tp.Any],
                  motion: tp.Callable[[tp.List[tp.Any], tp.List[tp.Any]], np.ndarray], still: np.ndarray,
                  batch_size: int = 1) -> np.ndarray:
    """``[T, D]`` features of each consecutive grid pair.

    Args:
        order: ``int [T]``, the position in ``frames`` of each grid frame.
        frames: the (preprocessed) source frames.
        motion: ``motion(firsts, seconds) -> [n, D]``, the motion of ``n`` frame pairs at once.
        still: ``[D]`` feature of no motion.
        batch_size: pairs given to ``motion`` at once.
    """
    moving = list(dict.fromkeys((int(a), int(b)) for a, b in zip(order[:-1], order[1:]) if a != b))
    found: tp.Dict[tp.Tuple[int, int], np.ndarray] = {}
    for first in range(0, len(moving), batch_size):
        chunk = moving[first:first + batch_size]
        found.update(zip(chunk, motion([frames[a] for a, _ in chunk], [frames[b] for _, b in chunk])))
    rows = [still if a == b else found[(int(a), int(b))] for a, b in zip(order[:-1], order[1:])]
    rows.append(rows[-1] if rows else still)
    return np.stack(rows).astype(np.float32)
