"""Fixtures of the generation tests: a short synthetic clip and one tiny-model generator for the session."""
from pathlib import Path

import av
import numpy as np
import pytest

from audiocraft_expotion.generate import ExpotionGenerator
from audiocraft_expotion.features import DEFAULT_EXTRACTORS
from audiocraft_expotion.features.extractor_choice import build_extractors


def write_clip(path: Path, seconds: float, fps: int = 12, size: tuple = (160, 120), codec: str = "mjpeg") -> Path:
    """A clip of a square moving left to right (MJPEG in AVI by default: not MP4-compatible)."""
    width, height = size
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
        for i in range(round(seconds * fps)):
            image = np.full((height, width, 3), 40, dtype=np.uint8)
            x = i * (width - 30) // max(1, round(seconds * fps) - 1)
            image[40:70, x:x + 30] = 220
            container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        container.mux(stream.encode(None))
    return path


@pytest.fixture(scope="session")
def short_clip(tmp_path_factory) -> Path:
    """A 2 s, 12 fps MJPEG/AVI clip (its picture has to be re-encoded for MP4)."""
    return write_clip(tmp_path_factory.mktemp("clips") / "square.avi", seconds=2.)


@pytest.fixture(scope="session")
def short_mp4(tmp_path_factory) -> Path:
    """The same 2 s clip as H.264 in MP4 (a browser can play it)."""
    return write_clip(tmp_path_factory.mktemp("clips") / "square.mp4", seconds=2., codec="libx264")


@pytest.fixture(scope="session")
def tiny_generator() -> ExpotionGenerator:
    """The offline default generator: tiny random-weight model, mediapipe_face + flow features."""
    return ExpotionGenerator("tiny", build_extractors(DEFAULT_EXTRACTORS))
