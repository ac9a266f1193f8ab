"""Music for a video: ``python -m audiocraft_expotion.generate`` (CLI) and ``.app`` (web demo).

:class:`ExpotionGenerator` extracts (or reads cached) face and motion features, generates music with
:class:`~audiocraft_expotion.models.expotion_gen.ExpotionGen` for the video's exact duration, and
writes a wav, an MP4 with the original picture and the new music, and a PNG of features and music.
"""
from .pipeline import ExpotionGenerator, MusicVideo

__all__ = ["ExpotionGenerator", "MusicVideo"]
