"""Audio track of a video, resampled to MusicGen's 32 kHz mono (for building datasets).

Samples are placed on clip time: if the first audio frame starts after 0 s, the gap is zero-filled,
so sample ``k`` is at ``k / sample_rate`` seconds, the same time axis as the video features.
"""
import typing as tp
from pathlib import Path

import av
import numpy as np

from .video import VideoError, open_container


def read_audio(path: tp.Union[str, Path], sample_rate: int = 32000) -> np.ndarray:
    """``float32 [1, S]`` mono audio of ``path`` at ``sample_rate``, starting at clip time 0.

    Raises:
        VideoError: missing/corrupt file or no audio stream.
    """
    path = Path(path)
    resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
    with open_container(path) as container:
        if not container.streams.audio:
            raise VideoError(f"{path}: no audio stream.")
        stream = container.streams.audio[0]
        chunks: tp.List[np.ndarray] = []
        offset: tp.Optional[float] = None
        try:
            for frame in container.decode(stream):
                if offset is None and frame.time is not None:
                    offset = max(0., float(frame.time))
                chunks.extend(out.to_ndarray().reshape(-1) for out in resampler.resample(frame))
            chunks.extend(out.to_ndarray().reshape(-1) for out in resampler.resample(None))
        except av.error.FFmpegError as exc:
            raise VideoError(f"{path}: corrupt audio stream ({exc}).") from exc
    if not chunks:
        raise VideoError(f"{path}: audio stream has zero samples.")
    lead = np.zeros(round((offset or 0.) * sample_rate), dtype=np.float32)
    return np.concatenate([lead, *chunks]).astype(np.float32)[None]
