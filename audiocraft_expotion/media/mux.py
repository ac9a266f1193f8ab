"""Writing the music video: the original picture stream plus the generated music as AAC, with PyAV.

The picture is copied packet by packet (timestamps untouched, so variable frame rates and a late
first frame are kept) when its codec can live in MP4; other codecs are re-encoded to H.264 with each
frame's original timestamp. The music starts at clip time 0, like the picture's timestamps.
"""
import itertools
import typing as tp
from pathlib import Path

import av
import numpy as np

from ..utils.atomic import atomic_write_bytes
from .container import MediaError, first_stream, open_container

MP4_VIDEO_CODECS = frozenset({"h264", "hevc", "mpeg4", "av1", "vp9"})
AUDIO_BITRATE = 192_000


def _copy_picture(source: av.container.InputContainer, output: av.container.OutputContainer
                  ) -> tp.Iterator[av.Packet]:
    """Adds the picture stream to ``output`` and returns its packets, copied from ``source``."""
    in_stream = source.streams.video[0]
    out_stream = output.add_stream_from_template(in_stream)

    def packets() -> tp.Iterator[av.Packet]:
        for packet in source.demux(in_stream):
            if packet.dts is not None:  # skips the demuxer's flush packet
                packet.stream = out_stream
                yield packet
    return packets()


def _encode_picture(source: av.container.InputContainer, output: av.container.OutputContainer
                    ) -> tp.Iterator[av.Packet]:
    """Adds an H.264 picture stream to ``output`` and returns its packets, re-encoded from ``source``."""
    in_stream = source.streams.video[0]
    out_stream = output.add_stream("libx264", rate=in_stream.guessed_rate or 25)
    out_stream.width = in_stream.codec_context.width // 2 * 2
    out_stream.height = in_stream.codec_context.height // 2 * 2
    out_stream.pix_fmt = "yuv420p"
    out_stream.codec_context.time_base = in_stream.time_base

    def packets() -> tp.Iterator[av.Packet]:
        for frame in source.decode(in_stream):
            if frame.pts is not None:
                image = frame.reformat(width=out_stream.width, height=out_stream.height, format="yuv420p")
                image.pts, image.time_base = frame.pts, in_stream.time_base
                yield from out_stream.encode(image)
        yield from out_stream.encode(None)
    return packets()


def _encode_music(output: av.container.OutputContainer, wav: np.ndarray, sample_rate: int
                  ) -> tp.Iterator[av.Packet]:
    """Adds an AAC stream to ``output`` and returns the packets of ``wav`` (``[C, S]``)."""
    layout = "mono" if wav.shape[0] == 1 else "stereo"
    stream = output.add_stream("aac", rate=sample_rate, layout=layout)
    stream.bit_rate = AUDIO_BITRATE

    def packets() -> tp.Iterator[av.Packet]:
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(wav, dtype=np.float32), format="fltp",
                                           layout=layout)
        frame.sample_rate, frame.pts = sample_rate, 0
        yield from stream.encode(frame)
        yield from stream.encode(None)
    return packets()


def write_music_video(video: tp.Union[str, Path], wav: np.ndarray, sample_rate: int,
                      path: tp.Union[str, Path]) -> bool:
    """Atomically write ``path`` (MP4): the picture of ``video`` and the music ``wav``.

    Args:
        video: the source video (its first video stream is used; its audio is dropped).
        wav: ``float32 [C, S]`` music in [-1, 1], C = 1 or 2, sample 0 at clip time 0.
        sample_rate: rate of ``wav`` (Hz).
        path: output file.
    Returns:
        True if the picture packets were copied, False if they were re-encoded.
    """
    if wav.ndim != 2 or wav.shape[0] not in (1, 2):
        raise ValueError(f"Expected music of shape [1 or 2, S], got {wav.shape}.")
    video = Path(video)
    with open_container(video) as source:
        copy = first_stream(source, "video", video).codec_context.name in MP4_VIDEO_CODECS

        def write(f: tp.BinaryIO) -> None:
            with av.open(f, "w", format="mp4") as output:
                picture = (_copy_picture if copy else _encode_picture)(source, output)
                music = _encode_music(output, wav, sample_rate)
                for packet in itertools.chain(picture, music):
                    output.mux(packet)
        try:
            atomic_write_bytes(path, write)
        except av.error.FFmpegError as exc:
            raise MediaError(f"{video}: cannot write its picture into {path} ({exc}).") from exc
    return copy
