"""Synthetic videos written with PyAV for the feature tests."""
import typing as tp
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

HEIGHT, WIDTH = 128, 160
SQUARE = 32


def square_frame(x: int, y: int = 48) -> np.ndarray:
    """``uint8 [128, 160, 3]`` grey frame with a 32x32 checkerboard square at ``(x, y)``."""
    frame = np.full((HEIGHT, WIDTH, 3), 90, dtype=np.uint8)
    checker = (np.indices((SQUARE, SQUARE)) // 4).sum(axis=0) % 2
    frame[y:y + SQUARE, x:x + SQUARE] = (40 + 180 * checker)[..., None]
    return frame


def write_video(path: Path, frames: tp.Sequence[np.ndarray], times: tp.Sequence[float],
                codec: str = "libx264", rotation: tp.Optional[int] = None, audio_seconds: float = 0.) -> Path:
    """Write RGB ``frames`` shown at ``times`` (seconds, may be irregular) to ``path``; optional sine audio."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=1000)
        stream.width, stream.height = frames[0].shape[1], frames[0].shape[0]
        stream.pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
        stream.time_base = stream.codec_context.time_base = Fraction(1, 1000)
        if codec == "libx264":
            stream.options = {"qp": "0"}
        if rotation is not None:
            stream.set_display_rotation(rotation)
        audio = container.add_stream("aac", rate=32000, layout="mono") if audio_seconds else None
        for frame, time in zip(frames, times):
            video_frame = av.VideoFrame.from_ndarray(frame, format="rgb24")
            video_frame.pts, video_frame.time_base = round(time * 1000), Fraction(1, 1000)
            container.mux(stream.encode(video_frame))
        container.mux(stream.encode())
        if audio is not None:
            write_sine(container, audio, audio_seconds)
    return path


def write_sine(container: tp.Any, stream: tp.Any, seconds: float, rate: int = 32000) -> None:
    """Encode ``seconds`` of a 440 Hz sine into the audio ``stream`` of ``container``."""
    samples = (0.3 * np.sin(2 * np.pi * 440 * np.arange(round(seconds * rate)) / rate)).astype(np.float32)
    for start in range(0, len(samples), 1024):
        frame = av.AudioFrame.from_ndarray(samples[None, start:start + 1024], format="flt", layout="mono")
        frame.sample_rate, frame.pts = rate, start
        container.mux(stream.encode(frame))
    container.mux(stream.encode())


def square_positions(num_frames: int, start: int, stop: int, step: int = 3) -> np.ndarray:
    """x position per frame: still before ``start``, moving by ``step`` px per frame until ``stop``, then still."""
    return 8 + step * np.clip(np.arange(num_frames) - start, 0, stop - start)
