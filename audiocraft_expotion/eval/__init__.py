"""``expotion eval``: the objective metrics of the Expotion paper's Table 1 (§4.4.1).

FAD (VGGish), average KL and IS (PANNs CNN14 tagger), tempo error and beat F1 (librosa beats,
mir_eval), text-audio (CLAP) and video-audio (LanguageBind or any :class:`VideoAudioModel`)
similarity. Entry points: :func:`evaluate_folder`, ``python -m audiocraft_expotion.eval`` and
``python -m audiocraft_expotion.eval.report``.
"""
from .availability import MetricUnavailable, Unavailable
from .evaluate import METRICS, EvalResults, evaluate_folder
from .video_audio import VideoAudioModel

__all__ = ["METRICS", "EvalResults", "MetricUnavailable", "Unavailable", "VideoAudioModel", "evaluate_folder"]
