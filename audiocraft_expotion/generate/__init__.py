"""Music for a video: ``python -m audiocraft_expotion.generate`` (CLI) and ``.app`` (web demo).

:class:`ExpotionGenerator` extracts (or reads cached) face and motion features, generates music with
:class:`~audiocraft_expotion.models.expotion_gen.ExpotionGen` for the video's exact duration, and
writes a wav, an MP4 with the original picture and the new music, and a PNG of features and music.
"""
import typing as tp

__all__ = ["ExpotionGenerator", "MusicVideo"]


def __getattr__(name: str) -> tp.Any:
    """The pipeline (torch, audiocraft) is imported on first use, so ``--help`` of the CLIs stays fast."""
    if name in __all__:
        from . import pipeline
        return getattr(pipeline, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
