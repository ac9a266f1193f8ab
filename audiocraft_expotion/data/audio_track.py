"""Extract the audio track of a video (PyAV, no ffmpeg binary needed) into a wav file.

The track is decoded, mixed to mono and resampled (MusicGen: 32 kHz), and placed on the clip's
timeline: sample 0 of the wav is clip time 0, so a track starting late is padded with leading
silence and samples before time 0 are dropped. Feature files use the same clip time, which keeps
audio and features aligned.
"""
import typing as tp
from pathlib import Path

import av
import numpy as np
import soundfile

from .feature_io import atomic_write_bytes

VIDEO_EXTS: tp.Tuple[str, ...] = (".mp4", ".mov", ".mkv", ".webm", ".avi")


class AudioTrackError(ValueError):
    """A video has no decodable audio track."""


def read_audio_track(video: tp.Union[str, Path], sample_rate: int = 32000) -> np.ndarray:
    """``[T]`` float32 mono audio of ``video`` at ``sample_rate``, sample 0 at clip time 0."""
    resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
    chunks: tp.List[np.ndarray] = []
    offset: tp.Optional[float] = None
    try:
        with av.open(str(video)) as container:
            if not container.streams.audio:
                raise AudioTrackError(f"{video}: no audio track.")
            for frame in container.decode(audio=0):
                if offset is None:
                    offset = float(frame.time or 0.0)
                chunks += [out.to_ndarray().reshape(-1) for out in resampler.resample(frame)]
            chunks += [out.to_ndarray().reshape(-1) for out in resampler.resample(None)]
    except av.error.FFmpegError as exc:
        raise AudioTrackError(f"{video}: cannot decode the audio track ({exc}).") from exc
    if offset is None or not chunks:
        raise AudioTrackError(f"{video}: the audio track has no samples.")
    wav = np.concatenate(chunks).astype(np.float32)
    shift = int(round(offset * sample_rate))
    return np.pad(wav, (shift, 0)) if shift >= 0 else wav[-shift:]


def extract_audio_track(video: tp.Union[str, Path], out: tp.Union[str, Path], sample_rate: int = 32000) -> Path:
    """Write the audio of ``video`` to the wav file ``out`` (atomically).

    ``out`` is a cache: an existing ``out`` newer than ``video`` and at ``sample_rate`` is kept.
    """
    out = Path(out)
    if (out.is_file() and out.stat().st_mtime >= Path(video).stat().st_mtime
            and soundfile.info(str(out)).samplerate == sample_rate):
        return out
    wav = read_audio_track(video, sample_rate)
    atomic_write_bytes(out, lambda f: soundfile.write(f, wav, sample_rate, format="WAV", subtype="FLOAT"))
    return out
