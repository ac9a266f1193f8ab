"""Checks of a generation's input video and output path, made before the model is loaded (they import
no torch, so the CLI reports a bad path at once): no output (the MP4, or the wav / png written next to
it) may be the input video itself, and the input must be a complete, readable video
(:mod:`..media.truncation`)."""
import os
import typing as tp
from pathlib import Path

from ..media.probe import VideoInfo, probe_video
from ..media.truncation import check_not_truncated
from ..utils.paths import check_output_folder


def _same_file(a: Path, b: Path) -> bool:
    if a.exists() and b.exists():
        return os.path.samefile(a, b)
    return a.resolve() == b.resolve()


def check_outputs_spare_input(video: tp.Union[str, Path], outputs: tp.Iterable[tp.Union[str, Path]]) -> None:
    """Raise ``ValueError`` if any of ``outputs`` is the input ``video`` (same path, link or hard link)."""
    video = Path(video)
    for output in map(Path, outputs):
        if _same_file(output, video):
            raise ValueError(f"{output}: this output would overwrite the input video {video}; "
                             "choose another output path (-o).")


def output_files(output: tp.Union[str, Path]) -> tp.Tuple[Path, Path, Path]:
    """The MP4, wav and PNG that a generation to ``output`` writes."""
    output = Path(output)
    return output, output.with_suffix(".wav"), output.with_suffix(".png")


def check_input(video: tp.Union[str, Path], output: tp.Union[str, Path], allow_truncated: bool = False
                ) -> VideoInfo:
    """Timing of ``video`` after checking that a generation from it to ``output`` is safe and sound.

    Raises:
        MediaError: ``video`` cannot be read, or is truncated and ``allow_truncated`` is False (names the file).
        ValueError: ``output`` is not an ``.mp4``, its folder is (inside) a file, or one of the outputs is
            the input video.
    """
    files = output_files(output)
    if files[0].suffix.lower() != ".mp4":
        raise ValueError(f"{files[0]}: the output must be an .mp4 file.")
    check_output_folder(files[0].parent)
    check_outputs_spare_input(video, files)
    info = probe_video(video)
    check_not_truncated(info, allow=allow_truncated)
    return info
