"""The audio reader: any audio file or a video's audio track, on audiocraft's ``audio_read`` / ``convert_audio``.

Samples are placed on clip time: when the first audio frame starts after 0 s (a video whose audio
track starts late), the gap is zero-filled, so sample ``k`` is at ``k / sample_rate`` seconds of
the clip, the time axis of the video frames and of the feature files. audiocraft is imported when
a function is called, not when this module is imported.
"""
import typing as tp
from pathlib import Path

import av
import torch

from ..utils.atomic import atomic_write_bytes
from .container import MediaError, first_stream, open_container


def _audio_start(path: Path) -> float:
    """Clip time (s) of the first audio sample of ``path``, from the stream header (no decoding)."""
    with open_container(path) as container:
        stream = first_stream(container, "audio", path)
        if stream.start_time is None or stream.time_base is None:
            return 0.
        return max(0., float(stream.start_time * stream.time_base))


def read_audio(path: tp.Union[str, Path], sample_rate: tp.Optional[int] = None,
               channels: tp.Optional[int] = 1) -> tp.Tuple[torch.Tensor, int]:
    """The audio of ``path`` from clip time 0 (see module docstring).

    Args:
        path: an audio file (wav, flac, mp3, ...) or a video with an audio track.
        sample_rate: resample to this rate (Hz); None keeps the file's rate.
        channels: down/up-mix to this many channels (audiocraft's ``convert_audio_channels``);
            None keeps the file's channels.
    Returns:
        ``(wav, sample_rate)``: ``float32 [C, S]`` (full scale 1.0; lossy codecs may overshoot it
        slightly) and its rate in Hz.
    Raises:
        MediaError: missing, empty, corrupt or unreadable file, no audio stream, or no samples.
    """
    from audiocraft.data.audio import audio_read
    from audiocraft.data.audio_utils import convert_audio

    path = Path(path)
    start = _audio_start(path)
    try:
        wav, rate = audio_read(path)
    except AssertionError as exc:  # audiocraft's reader asserts that it decoded some frames
        raise MediaError(f"{path}: audio stream has zero samples.") from exc
    except (av.error.FFmpegError, RuntimeError) as exc:
        raise MediaError(f"{path}: corrupt audio stream ({exc}).") from exc
    if wav.shape[-1] == 0:
        raise MediaError(f"{path}: audio stream has zero samples.")
    target_rate = rate if sample_rate is None else int(sample_rate)
    wav = convert_audio(wav, rate, target_rate, wav.shape[0] if channels is None else channels)
    lead = round(start * target_rate)
    if lead:
        wav = torch.nn.functional.pad(wav, (lead, 0))
    return wav.float().contiguous(), target_rate


def resample(wav: torch.Tensor, sample_rate: int, target_rate: int) -> torch.Tensor:
    """``wav`` (``[..., S]``) resampled from ``sample_rate`` to ``target_rate`` Hz with audiocraft's
    ``convert_audio`` (julius' windowed-sinc resampler, as in audiocraft's datasets)."""
    if sample_rate == target_rate:
        return wav
    from audiocraft.data.audio_utils import convert_audio
    return convert_audio(wav[..., None, :], sample_rate, target_rate, 1)[..., 0, :]


def extract_audio_track(video: tp.Union[str, Path], out: tp.Union[str, Path], sample_rate: int = 32000) -> Path:
    """Write the audio of ``video`` (mono, ``sample_rate`` Hz, on clip time: :func:`read_audio`) to the
    float wav file ``out``, atomically.

    ``out`` is a cache: an existing ``out`` newer than ``video`` and at ``sample_rate`` is kept.

    Raises:
        MediaError: see :func:`read_audio`.
    """
    import soundfile

    out = Path(out)
    if (out.is_file() and out.stat().st_mtime >= Path(video).stat().st_mtime
            and soundfile.info(str(out)).samplerate == sample_rate):
        return out
    wav = read_audio(video, sample_rate)[0][0].numpy()
    atomic_write_bytes(out, lambda f: soundfile.write(f, wav, sample_rate, format="WAV", subtype="FLOAT"))
    return out
