"""Cut the frames of a feature sequence that describe the same time span as an audio segment.

Frame ``i`` of a feature file describes clip time ``[start + i / fps, start + (i + 1) / fps)``.
The audio segment ``[seek_time, seek_time + duration)`` maps to the frames

    first = floor((seek_time - start) * fps),   n = ceil(duration * fps),

i.e. frames ``first, ..., first + n - 1``: as many frames as the segment lasts, frame 0 being the
frame that covers ``seek_time`` (frame ``k`` starts at most ``1 / fps`` before ``seek_time + k / fps``).

Edges: frames before the first or past the last frame of the file repeat the first / last frame
(the nearest one in time), so a segment starting before the video's first frame, or a feature file
a little shorter than the audio, still gives ``n`` frames. How far the features may fall short of
the audio is checked once, before training (:mod:`clip_check`). Padded audio past the end of a clip
is not part of the span: the dataset passes the duration of the audio actually read.
"""
import math

import torch

from .feature_io import FeatureFile

_EPS = 1e-6  # absorbs float error in time * fps, e.g. 0.6 * 5 = 2.9999999999999996


def window_frames(feature_file: FeatureFile, seek_time: float, duration: float) -> torch.Tensor:
    """``[n]`` indices (long) of the frames covering ``[seek_time, seek_time + duration)``, clipped to the file."""
    if duration <= 0:
        raise ValueError(f"Segment duration must be positive, got {duration}.")
    first = math.floor((seek_time - feature_file.start) * feature_file.fps + _EPS)
    count = max(1, math.ceil(duration * feature_file.fps - _EPS))
    return (torch.arange(count) + first).clamp(0, feature_file.num_frames - 1)


def cut_features(feature_file: FeatureFile, seek_time: float, duration: float) -> torch.Tensor:
    """``[n, D]`` features of ``[seek_time, seek_time + duration)``, ``n = ceil(duration * fps)``."""
    return feature_file.tensor()[window_frames(feature_file, seek_time, duration)]
