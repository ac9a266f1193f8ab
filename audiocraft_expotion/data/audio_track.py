"""Extract the audio track of a video (PyAV, no ffmpeg binary needed) into a wav file.

The track is read by :func:`audiocraft_expotion.features.audio.read_audio`: mono, resampled
(MusicGen: 32 kHz) and placed on the clip's timeline (sample 0 is clip time 0), the time axis of
the feature files, which keeps audio and features aligned.
"""
import typing as tp
from pathlib import Path

import soundfile

from ..features.audio import read_audio
from .feature_io import atomic_write_bytes

VIDEO_EXTS: tp.Tuple[str, ...] = (".mp4", ".mov", ".mkv", ".webm", ".avi")


def extract_audio_track(video: tp.Union[str, Path], out: tp.Union[str, Path], sample_rate: int = 32000) -> Path:
    """Write the audio of ``video`` to the wav file ``out`` (atomically).

    ``out`` is a cache: an existing ``out`` newer than ``video`` and at ``sample_rate`` is kept.
    """
    out = Path(out)
    if (out.is_file() and out.stat().st_mtime >= Path(video).stat().st_mtime
            and soundfile.info(str(out)).samplerate == sample_rate):
        return out
    wav = read_audio(video, sample_rate)[0]
    atomic_write_bytes(out, lambda f: soundfile.write(f, wav, sample_rate, format="WAV", subtype="FLOAT"))
    return out
