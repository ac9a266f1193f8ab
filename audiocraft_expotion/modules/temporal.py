"""Temporal smoothing: linear interpolation of feature sequences at fractional times (paper eq. 1 / 3).

Expotion aligns a visual feature sequence ``z`` (frame ``i`` at time ``i / src_rate``) to the music's
token rate by linear interpolation (paper §3.1, eq. 1; eq. 3 for motion). At a fractional source
position ``t`` (in frames), with ``i = floor(t)`` and ``alpha = t - i``,

    z_hat(t) = (1 - alpha) * z[i] + alpha * z[i + 1].

Before the first frame the first value is held, past the last frame the last one (there is no
neighbour to blend with). :func:`interpolate_at` evaluates this at any positions (a segment cut at
an exact seek time, :mod:`audiocraft_expotion.data.feature_window`); :func:`interpolate_features`
resamples a whole sequence to another rate (the visual conditioner, generation windows). Both use
the same weights, so features are aligned in exactly one way everywhere.
"""
import math
import typing as tp

import torch

# Positions this close to a whole frame are that frame: 0.6 s * 5 fps = 2.9999999999999996 reads
# frame 3 exactly (bit-identical values), not a blend with 4e-16 of frame 2.
_SNAP = 1e-6


def seconds_to_frames(seconds: float, rate: float) -> int:
    """The number of frames (or samples) at ``rate`` Hz nearest to ``seconds``, rounding halves up.

    The one seconds -> frames conversion for durations, windows and strides (``int(s * rate)``
    would drop a frame whenever ``s * rate`` lands just below an integer, e.g. 1.16 s * 50 Hz).
    Raises ValueError for a negative duration or a non-positive rate.
    """
    if rate <= 0 or seconds < 0:
        raise ValueError(f"Expected seconds >= 0 and rate > 0, got seconds={seconds}, rate={rate}.")
    return int(math.floor(seconds * rate + 0.5))


def num_target_frames(num_frames: int, src_rate: float, tgt_rate: float) -> int:
    """Number of frames covering the same duration (``num_frames / src_rate`` s) at ``tgt_rate``."""
    if src_rate <= 0 or tgt_rate <= 0:
        raise ValueError(f"Frame rates must be positive, got src_rate={src_rate}, tgt_rate={tgt_rate}.")
    return int(math.floor(num_frames * tgt_rate / src_rate + 1e-6))


def interpolate_at(features: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
    """Eq. 1 at fractional frame positions: ``z_hat(t)`` for each ``t`` in ``positions``.

    Args:
        features: ``[T, D]`` or ``[B, T, D]`` features, ``T >= 1``.
        positions: ``[L]`` positions in source frames (float; frame ``i`` is position ``i``);
            positions outside ``[0, T - 1]`` hold the nearest end frame.
    Returns:
        ``[L, D]`` or ``[B, L, D]`` features, same dtype and device as ``features``.
    Raises:
        ValueError: for an empty sequence or features that are not ``[T, D]`` / ``[B, T, D]``.
    """
    time_dim = features.dim() - 2
    if time_dim not in (0, 1):
        raise ValueError(f"Expected features of shape [T, D] or [B, T, D], got {tuple(features.shape)}.")
    num_frames = features.shape[time_dim]
    if num_frames < 1:
        raise ValueError("Cannot interpolate an empty feature sequence.")
    t = positions.to(device=features.device, dtype=torch.float64).clamp(0., num_frames - 1.)
    t = torch.where((t - t.round()).abs() < _SNAP, t.round(), t)
    lower = torch.floor(t).long()
    upper = (lower + 1).clamp(max=num_frames - 1)
    alpha = (t - lower.double()).to(features.dtype).unsqueeze(-1)
    low = features.index_select(time_dim, lower)
    high = features.index_select(time_dim, upper)
    return torch.where(alpha == 0, low, (1 - alpha) * low + alpha * high)


def interpolate_features(features: torch.Tensor, src_rate: float, tgt_rate: float,
                         length: tp.Optional[int] = None) -> torch.Tensor:
    """Resample a feature sequence from ``src_rate`` to ``tgt_rate`` (eq. 1; frame 0 stays at time 0).

    Args:
        features: ``[T, D]`` or ``[B, T, D]`` features at ``src_rate`` frames per second.
        src_rate: frame rate of ``features`` (Hz).
        tgt_rate: wanted frame rate (Hz), e.g. 50 for MusicGen's EnCodec tokens.
        length: number of output frames; defaults to the same duration at ``tgt_rate``.
    Returns:
        ``[T', D]`` or ``[B, T', D]`` resampled features, same dtype as the input:
        output frame ``j`` is ``z_hat(j * src_rate / tgt_rate)``.
    """
    if features.dim() not in (2, 3):
        raise ValueError(f"Expected features of shape [T, D] or [B, T, D], got {tuple(features.shape)}.")
    if length is None:
        length = num_target_frames(features.shape[-2], src_rate, tgt_rate)
    positions = torch.arange(length, dtype=torch.float64) * (src_rate / tgt_rate)
    return interpolate_at(features, positions)
