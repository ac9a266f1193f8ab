"""Cut a feature sequence at the exact time span of an audio segment.

A feature file's frame ``i`` is clip time ``start + i / fps`` (:mod:`feature_io`). The audio segment
``[seek_time, seek_time + duration)`` gets ``n = ceil(duration * fps)`` frames at the file's own rate,
frame ``k`` being the features at clip time ``seek_time + k / fps`` exactly: linearly interpolated
between the two nearest frames of the file (paper eq. 1 at a fractional time,
:func:`audiocraft_expotion.modules.temporal.interpolate_at`). The visual conditioner then puts LM frame
``j`` at segment time ``j / frame_rate``, i.e. clip time ``seek_time + j / frame_rate``, which is where
the music of that frame is: no whole-frame rounding of the seek time (up to ``1 / fps`` = 200 ms late
at 5 fps).

Generation reads a whole file through the same function with ``seek_time = 0``, so training and
generation see a video at the same times.

Edges: times before the first or past the last frame of the file hold the first / last frame, so a
segment starting before the video's first frame, or a feature file a little shorter than the audio,
still gives ``n`` frames. How far the features may fall short of the audio is checked once, before
training (:mod:`clip_check`). Padded audio past the end of a clip is not part of the span: the
dataset passes the duration of the audio actually read.
"""
import math

import torch

from ..modules.temporal import interpolate_at
from .feature_io import FeatureFile

_EPS = 1e-6  # absorbs float error in duration * fps, e.g. 0.6 * 5 = 2.9999999999999996


def window_positions(feature_file: FeatureFile, seek_time: float, duration: float) -> torch.Tensor:
    """``[n]`` fractional frame positions (float64) of clip times ``seek_time + k / fps``, ``n = ceil(duration * fps)``.

    Raises:
        ValueError: for a non-positive ``duration``.
    """
    if duration <= 0:
        raise ValueError(f"Segment duration must be positive, got {duration}.")
    count = max(1, math.ceil(duration * feature_file.fps - _EPS))
    return torch.arange(count, dtype=torch.float64) + feature_file.position(seek_time)


def cut_features(feature_file: FeatureFile, seek_time: float, duration: float) -> torch.Tensor:
    """``[n, D]`` float32 features of ``[seek_time, seek_time + duration)`` at ``feature_file.fps``.

    Frame ``k`` is the (interpolated) features at clip time ``seek_time + k / fps``; see the module docstring.
    """
    return interpolate_at(feature_file.tensor(), window_positions(feature_file, seek_time, duration))
