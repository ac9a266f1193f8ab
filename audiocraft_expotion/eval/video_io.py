"""Decoding the frames of a video file with PyAV."""
import typing as tp
from pathlib import Path

import av
import numpy as np
import torch

VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".webm", ".avi")


class VideoFileError(ValueError):
    """A video file is missing, unreadable or has no video stream."""


def load_video(path: tp.Union[str, Path]) -> tp.Tuple[torch.Tensor, float]:
    """Decode all frames of ``path``.

    Returns:
        (frames, fps): ``frames`` is RGB ``uint8 [T, H, W, 3]``, ``fps`` in frames per second.
    """
    path = Path(path)
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise VideoFileError(f"{path}: no video stream")
            stream = container.streams.video[0]
            frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(stream)]
            fps = float(stream.average_rate or stream.guessed_rate or 0)
    except (av.error.FFmpegError, OSError) as err:
        raise VideoFileError(f"{path}: cannot decode video ({err})") from err
    if not frames or fps <= 0:
        raise VideoFileError(f"{path}: no frames or unknown frame rate")
    return torch.from_numpy(np.stack(frames)), fps
