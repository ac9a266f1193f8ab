"""Per-frame motion from consecutive frames of a resampled clip.

Output frame ``j`` describes the motion from grid frame ``j`` to grid frame ``j + 1`` (the interval
``[t_j, t_j+1)``); the last frame, which has no successor, repeats the one before it. Pairs made of the
same source frame (held frames) have no motion and get ``still`` without running the flow model.
"""
import typing as tp

import numpy as np


def pair_features(order: np.ndarray, frames: tp.Sequence[tp.Any],
                  motion: tp.Callable[[np.ndarray, np.ndarray], np.ndarray], still: np.ndarray) -> np.ndarray:
    """``[T, D]`` features, ``motion(frame_a, frame_b) -> [D]`` for each consecutive grid pair.

    Args:
        order: ``int [T]``, the position in ``frames`` of each grid frame.
        frames: the (preprocessed) source frames.
        motion: feature of the motion between two frames.
        still: ``[D]`` feature of no motion.
    """
    rows = [still if a == b else motion(frames[a], frames[b]) for a, b in zip(order[:-1], order[1:])]
    rows.append(rows[-1] if rows else still)
    return np.stack(rows).astype(np.float32)
