"""Reading and writing media: the one place that decodes video and audio and writes wav / MP4 files.

==============  ============================================================================
module          what it does
==============  ============================================================================
``container``   :class:`MediaError` (names the file) and opening a file with PyAV
``video``       the video reader: frames with timestamps, rotation applied, ``max_side``,
                decoding keeps only the frames a frame-rate grid shows
``audio``       the audio reader (audiocraft's ``audio_read`` / ``convert_audio``), placed on
                clip time
``wav``         wav writing normalised by audiocraft's ``normalize_audio`` (``generate.audio``)
``mux``         the music video: original picture + generated music (MP4, no ffmpeg binary)
``probe``       a video's timing from packet timestamps (no decoding)
``truncation``  refusing a truncated video that still opens (``--allow-truncated``)
==============  ============================================================================

Importing this package (or any module in it) loads neither audiocraft, transformers, OpenCV nor
torchvision: functions that need audiocraft or OpenCV import them when called.
"""
import typing as tp
from pathlib import Path

VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v", ".mpg", ".mpeg", ".flv", ".wmv")
"""File suffixes (lower case) taken for videos when scanning folders."""
AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".m4a") + VIDEO_SUFFIXES
"""File suffixes (lower case) whose audio can be read (a video's audio track included)."""


def collect_videos(inputs: tp.Sequence[tp.Union[str, Path]]) -> tp.List[Path]:
    """Files as given, and the video files (by suffix) found recursively in folders, sorted, no repeats."""
    videos: tp.List[Path] = []
    for item in map(Path, inputs):
        if item.is_dir():
            videos.extend(sorted(p for p in item.rglob("*") if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES))
        else:
            videos.append(item)
    return list(dict.fromkeys(videos))
