"""One figure of a generation: the visual feature curves and the music, on a shared time axis (PNG).

Rows: the energy of each modality's features over time (every feature dimension standardised over
the clip, then the root mean square across dimensions per frame: how far the face / motion is from
its average state), the music's waveform, and its onset strength (librosa).
"""
import io
import typing as tp
from pathlib import Path

import librosa
import matplotlib
import numpy as np

from ..data.feature_io import FeatureFile, atomic_write_bytes

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def feature_energy(features: np.ndarray) -> np.ndarray:
    """``[T]`` energy of ``[T, D]`` features: RMS over dimensions of the per-dimension z-scores."""
    std = features.std(axis=0)
    z = (features - features.mean(axis=0)) / np.where(std > 1e-8, std, 1.)
    return np.sqrt((z ** 2).mean(axis=1))


def plot_generation(features: tp.Mapping[str, FeatureFile], wav: np.ndarray, sample_rate: int,
                    path: tp.Union[str, Path], title: str = "") -> None:
    """Write the figure (module docstring) of ``features`` and the music ``wav`` (``[C, S]``) to ``path``."""
    mono = wav.mean(axis=0)
    duration = len(mono) / sample_rate
    fig, axes = plt.subplots(len(features) + 2, 1, figsize=(10, 1.8 * (len(features) + 2)), sharex=True)
    for ax, (modality, feature) in zip(axes, features.items()):
        times = feature.start + np.arange(feature.num_frames) / feature.fps
        ax.plot(times, feature_energy(feature.features), color="tab:orange" if modality == "face" else "tab:green")
        ax.set_ylabel(f"{modality}\nenergy", fontsize=8)
        ax.set_title(f"{modality} features: {feature.meta.get('extractor', '?')} "
                     f"({feature.dim} dims @ {feature.fps:g} fps)", fontsize=8, loc="left")
    wave_ax, onset_ax = axes[-2], axes[-1]
    wave_ax.plot(np.arange(len(mono)) / sample_rate, mono, linewidth=0.3, color="tab:blue")
    wave_ax.set_ylabel("waveform", fontsize=8)
    onsets = librosa.onset.onset_strength(y=mono, sr=sample_rate)
    onset_ax.plot(librosa.times_like(onsets, sr=sample_rate), onsets, color="tab:purple")
    onset_ax.set_ylabel("onset\nstrength", fontsize=8)
    onset_ax.set_xlabel("time (s)")
    onset_ax.set_xlim(0, duration)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    atomic_write_bytes(path, lambda f: f.write(buffer.getvalue()))
