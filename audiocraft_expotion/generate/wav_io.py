"""Writing the generated music as a 16-bit PCM wav file, atomically."""
import typing as tp
from pathlib import Path

import numpy as np
import soundfile

from ..data.feature_io import atomic_write_bytes


def write_wav(path: tp.Union[str, Path], wav: np.ndarray, sample_rate: int) -> None:
    """Write ``wav`` (``float32 [C, S]`` in [-1, 1]) to ``path`` as 16-bit PCM."""
    data = np.clip(wav, -1., 1.).T
    atomic_write_bytes(path, lambda f: soundfile.write(f, data, sample_rate, format="WAV", subtype="PCM_16"))
