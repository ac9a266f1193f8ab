"""One figure of a generation: the visual feature curves and the music, on a shared time axis (PNG).

Rows: the energy of each modality's features over time (every feature dimension standardised over
the clip, then the root mean square across dimensions per frame: how far the face / motion is from
its average state), the music's waveform, and its onset strength (librosa). The music's detected
onsets are drawn as dotted lines across every row, so where the music puts its onsets can be read
against the face / motion curves.
"""
import io
import typing as tp
from pathlib import Path

import librosa
import matplotlib
import numpy as np

from ..data.feature_energy import feature_energy
from ..data.feature_io import FeatureFile
from ..utils.atomic import atomic_write_bytes

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


class MusicOnsets(tp.NamedTuple):
    """Onsets of a piece of music: ``strength [F]`` at ``times [F]`` (s), and detected onset ``onsets [N]`` (s)."""
    times: np.ndarray
    strength: np.ndarray
    onsets: np.ndarray


def music_onsets(mono: np.ndarray, sample_rate: int) -> MusicOnsets:
    """librosa's onset strength and detected onsets of ``mono`` (``[S]`` at ``sample_rate`` Hz)."""
    strength = librosa.onset.onset_strength(y=mono, sr=sample_rate)
    onsets = librosa.onset.onset_detect(onset_envelope=strength, sr=sample_rate, units="time")
    return MusicOnsets(librosa.times_like(strength, sr=sample_rate), strength, np.asarray(onsets))


def plot_generation(features: tp.Mapping[str, FeatureFile], wav: np.ndarray, sample_rate: int,
                    path: tp.Union[str, Path], title: str = "") -> None:
    """Write the figure (module docstring) of ``features`` and the music ``wav`` (``[C, S]``) to ``path``."""
    mono = wav.mean(axis=0)
    duration = len(mono) / sample_rate
    fig, axes = plt.subplots(len(features) + 2, 1, figsize=(10, 1.8 * (len(features) + 2)), sharex=True)
    for ax, (modality, feature) in zip(axes, features.items()):
        times = feature.times()  # clip time of each frame (the file's start honoured)
        ax.plot(times, feature_energy(feature.features), color="tab:orange" if modality == "face" else "tab:green")
        ax.set_ylabel(f"{modality}\nenergy", fontsize=8)
        ax.set_title(f"{modality} features: {feature.meta.get('extractor', '?')} "
                     f"({feature.dim} dims @ {feature.fps:g} fps)", fontsize=8, loc="left")
    wave_ax, onset_ax = axes[-2], axes[-1]
    wave_ax.plot(np.arange(len(mono)) / sample_rate, mono, linewidth=0.3, color="tab:blue")
    wave_ax.set_ylabel("waveform", fontsize=8)
    onsets = music_onsets(mono, sample_rate)
    onset_ax.plot(onsets.times, onsets.strength, color="tab:purple")
    onset_ax.set_ylabel("onset\nstrength", fontsize=8)
    onset_ax.set_title(f"music onsets ({len(onsets.onsets)}, dotted lines in every row)", fontsize=8, loc="left")
    for ax in (*axes[:-2], onset_ax):
        for time in onsets.onsets:
            ax.axvline(time, color="tab:purple", linestyle=":", linewidth=0.8)
    onset_ax.set_xlabel("time (s)")
    onset_ax.set_xlim(0, duration)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    atomic_write_bytes(path, lambda f: f.write(buffer.getvalue()))
