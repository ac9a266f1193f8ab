"""The energy of a feature sequence over time: how far each frame is from the clip's average state."""
import numpy as np


def feature_energy(features: np.ndarray) -> np.ndarray:
    """``[T]`` energy of ``[T, D]`` features: root mean square over dimensions of the per-dimension
    z-scores over the clip (a constant dimension counts as 0). Plotted against the frame times."""
    std = features.std(axis=0)
    z = (features - features.mean(axis=0)) / np.where(std > 1e-8, std, 1.)
    return np.sqrt((z ** 2).mean(axis=1))
