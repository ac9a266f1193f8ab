"""An example video made offline: a public-domain portrait that moves in bursts (``generate --example``).

The picture is matplotlib's sample photo of Grace Hopper (``grace_hopper.jpg``, an official U.S.
Navy photograph, public domain), shipped inside the installed ``matplotlib`` package. The camera
sways over it in two bursts of movement separated by still moments, so the motion features have a
clear shape over time and the face stays in view for the face extractor.
"""
import math
import typing as tp
from pathlib import Path

import av
import numpy as np
from matplotlib import cbook
from PIL import Image

from ..utils.atomic import atomic_write_bytes

PHOTO = "grace_hopper.jpg"
FPS = 25
DURATION = 8.0
SIZE = (240, 280)  # width, height of the clip (the photo is 512 x 600)
# (start, end) seconds of each burst of movement; still in between.
BURSTS = ((1.5, 3.5), (5.0, 7.0))
SWAY_HZ = 2.0


def motion_envelope(t: np.ndarray) -> np.ndarray:
    """How much the camera moves at times ``t`` (s): 1 inside a burst (raised-cosine edges), 0 when still."""
    envelope = np.zeros_like(t, dtype=np.float64)
    for start, end in BURSTS:
        inside = (t >= start) & (t <= end)
        envelope[inside] = np.sin(math.pi * (t[inside] - start) / (end - start)) ** 0.5
    return envelope


def example_frame(photo: Image.Image, t: float) -> np.ndarray:
    """``[H, W, 3]`` uint8 frame at time ``t``: a crop of the photo, shifted and zoomed with the motion."""
    amount = float(motion_envelope(np.array([t]))[0])
    phase = 2 * math.pi * SWAY_HZ * t
    width, height = photo.size
    crop_w = width * (0.8 - 0.06 * amount * (1 + math.sin(phase / 2)))
    crop_h = crop_w * SIZE[1] / SIZE[0]
    cx = width / 2 + 0.09 * width * amount * math.sin(phase)
    cy = height * 0.45 + 0.05 * height * amount * math.cos(phase)
    box = (cx - crop_w / 2, cy - crop_h / 2, cx + crop_w / 2, cy + crop_h / 2)
    return np.asarray(photo.resize(SIZE, Image.Resampling.BILINEAR, box=box))


def write_example_video(path: tp.Union[str, Path], duration: float = DURATION) -> Path:
    """Write the example clip (H.264 MP4, ``SIZE`` pixels, ``FPS`` fps, ``duration`` s) to ``path``, atomically."""
    photo = Image.open(cbook.get_sample_data(PHOTO)).convert("RGB")

    def write(f: tp.BinaryIO) -> None:
        with av.open(f, "w", format="mp4") as container:
            stream = container.add_stream("libx264", rate=FPS)
            stream.width, stream.height = SIZE
            stream.pix_fmt = "yuv420p"
            for i in range(round(duration * FPS)):
                frame = av.VideoFrame.from_ndarray(example_frame(photo, i / FPS), format="rgb24")
                container.mux(stream.encode(frame))
            container.mux(stream.encode(None))
    atomic_write_bytes(path, write)
    return Path(path)
