"""Writing generated music as a 16-bit PCM wav file, normalised like audiocraft's ``audio_write``.

The normalisation is audiocraft's own (``audiocraft.data.audio_utils.normalize_audio``, what
``audio_write`` applies before it pipes to an ``ffmpeg`` binary); the file is written with
soundfile, atomically, so no ffmpeg binary is needed. The settings are those of the config's
``generate.audio`` section (``strategy``: ``loudness`` / ``peak`` / ``rms`` / ``clip`` / ``none``,
and its headroom keys), the same for the solver's samples and the generation CLI.
"""
import typing as tp
from pathlib import Path

import numpy as np
import torch

from ..utils.atomic import atomic_write_bytes

NOT_NORMALISATION_KEYS = ("format", "sample_rate")
"""Keys of ``generate.audio`` that are not arguments of ``normalize_audio``."""


def normalisation(audio_cfg: tp.Mapping[str, tp.Any]) -> tp.Dict[str, tp.Any]:
    """The ``normalize_audio`` arguments of a ``generate.audio`` config section (format and rate dropped)."""
    return {key: value for key, value in dict(audio_cfg).items() if key not in NOT_NORMALISATION_KEYS}


def normalise(wav: tp.Union[np.ndarray, torch.Tensor], sample_rate: int, strategy: str = "peak",
              **settings: tp.Any) -> np.ndarray:
    """``float32 [C, S]`` ``wav`` normalised by audiocraft's ``normalize_audio`` (``strategy`` and headrooms).

    Silence stays silence (audiocraft's peak / rms / loudness scaling would divide by zero).

    Raises:
        ValueError: ``wav`` is not ``[C, S]`` or holds NaN / inf; an unknown ``strategy``.
    """
    from audiocraft.data.audio_utils import normalize_audio

    wav = torch.as_tensor(np.asarray(wav, dtype=np.float32))
    if wav.dim() != 2:
        raise ValueError(f"Expected audio of shape [C, S], got {tuple(wav.shape)}.")
    if not bool(wav.isfinite().all()):
        raise ValueError("Audio holds NaN or inf values.")
    if strategy not in ("loudness", "peak", "rms", "clip", "none", ""):
        raise ValueError(f"Unknown generate.audio.strategy {strategy!r}: use loudness, peak, rms, clip or none.")
    if strategy in ("none", "") or not bool(wav.abs().max() > 0):  # none: only clipped to [-1, 1]
        return wav.clamp(-1., 1.).numpy()
    return normalize_audio(wav, strategy=strategy, sample_rate=sample_rate, **settings).clamp(-1., 1.).numpy()


def write_wav(path: tp.Union[str, Path], wav: tp.Union[np.ndarray, torch.Tensor], sample_rate: int,
              strategy: str = "peak", **settings: tp.Any) -> np.ndarray:
    """Normalise ``wav`` (``float32 [C, S]``, see :func:`normalise`) and write it atomically to ``path``
    as 16-bit PCM at ``sample_rate`` Hz.

    Returns:
        the normalised ``float32 [C, S]`` samples written (e.g. to mux the same music into a video).
    """
    import soundfile

    data = normalise(wav, sample_rate, strategy, **settings)
    atomic_write_bytes(path, lambda f: soundfile.write(f, data.T, sample_rate, format="WAV", subtype="PCM_16"))
    return data
