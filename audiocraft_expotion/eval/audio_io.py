"""Decoding audio files (wav, flac, mp3, and the audio track of mp4) with PyAV.

Every file is decoded to a mono float32 waveform (full scale 1.0; lossy codecs may overshoot it
slightly) at its native sample rate; metrics resample to their own rate with :func:`resample`.
"""
import typing as tp
from pathlib import Path

import av
import numpy as np
import torch
import torchaudio

AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".mp4")


class AudioFileError(ValueError):
    """An audio file is missing, unreadable or has no audio stream."""


def load_audio(path: tp.Union[str, Path]) -> tp.Tuple[torch.Tensor, int]:
    """Decode ``path`` to a mono waveform.

    Returns:
        (wav, sample_rate): ``wav`` is ``float32 [T]``, ``sample_rate`` in Hz.
    """
    path = Path(path)
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise AudioFileError(f"{path}: no audio stream")
            stream = container.streams.audio[0]
            rate = stream.codec_context.sample_rate
            resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
            chunks = [out.to_ndarray().reshape(-1)
                      for frame in container.decode(stream) for out in resampler.resample(frame)]
            chunks += [out.to_ndarray().reshape(-1) for out in resampler.resample(None)]
    except (av.error.FFmpegError, OSError) as err:
        raise AudioFileError(f"{path}: cannot decode audio ({err})") from err
    if not chunks:
        raise AudioFileError(f"{path}: audio stream holds no samples")
    return torch.from_numpy(np.concatenate(chunks).astype(np.float32)), int(rate)


def resample(wav: torch.Tensor, sample_rate: int, target_rate: int) -> torch.Tensor:
    """Resample ``wav`` (``[..., T]``) from ``sample_rate`` to ``target_rate`` Hz."""
    if sample_rate == target_rate:
        return wav
    return torchaudio.functional.resample(wav, sample_rate, target_rate)
