"""Filling frames where a detector found nothing (no face, no person) from their neighbours."""
import typing as tp

import numpy as np


def fill_gaps(values: np.ndarray) -> tp.Tuple[np.ndarray, int]:
    """Linearly interpolate rows of ``values`` that hold NaN from the nearest valid rows before/after.

    Rows before the first (after the last) valid row copy it. If no row is valid, returns zeros.

    Args:
        values: ``[N, D]`` with whole rows of NaN where nothing was detected.
    Returns:
        ``[N, D]`` filled values and the number of rows that were missing.
    """
    missing = np.isnan(values).any(axis=1)
    num_missing = int(missing.sum())
    if num_missing == 0:
        return values, 0
    if num_missing == len(values):
        return np.zeros_like(values), num_missing
    valid = np.nonzero(~missing)[0]
    positions = np.arange(len(values))
    filled = np.stack([np.interp(positions, valid, values[valid, d]) for d in range(values.shape[1])], axis=1)
    return filled.astype(values.dtype), num_missing
