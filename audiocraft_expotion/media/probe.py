"""How long a video lasts, read from its packet timestamps (no decoding)."""
import typing as tp
from dataclasses import dataclass
from pathlib import Path

import av

from .container import MediaError, first_stream, open_container


@dataclass
class VideoInfo:
    """Timing of the first video stream of a file.

    Attributes:
        path: the file.
        start: presentation time (s) of the first frame.
        end: time (s) at which the last frame stops being shown: the clip's duration from clip time 0.
        num_frames: number of video packets (frames).
        codec: name of the video codec.
    """
    path: Path
    start: float
    end: float
    num_frames: int
    codec: str


def probe_video(path: tp.Union[str, Path]) -> VideoInfo:
    """Timing of ``path``'s first video stream.

    Raises:
        MediaError: missing, unreadable or corrupt file, no video stream or no frames (names the file).
    """
    path = Path(path)
    with open_container(path) as container:
        stream = first_stream(container, "video", path)
        starts, ends = [], []
        try:
            for packet in container.demux(stream):
                if packet.pts is not None and packet.size:
                    starts.append(packet.pts)
                    ends.append(packet.pts + (packet.duration or 0))
        except av.error.FFmpegError as exc:
            raise MediaError(f"{path}: corrupt video stream ({exc}).") from exc
        if not starts:
            raise MediaError(f"{path}: video stream has zero frames.")
        base = stream.time_base
        end = max(ends)
        if end == max(starts):  # no packet durations: assume one average frame for the last one
            end += (end - min(starts)) / max(1, len(starts) - 1)
        return VideoInfo(path=path, start=float(min(starts) * base), end=float(end * base),
                         num_frames=len(starts), codec=stream.codec_context.name)
