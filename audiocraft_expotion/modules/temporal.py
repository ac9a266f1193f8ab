"""Temporal smoothing: linear interpolation of feature sequences between frame rates.

This is eq. (1) / (3) of the Expotion paper. A feature sequence ``z`` sampled at ``src_rate``
(frame ``i`` at time ``i / src_rate``) is resampled at ``tgt_rate``: output frame ``j`` sits at the
fractional source index ``t = j * src_rate / tgt_rate``; with ``i = floor(t)`` and ``alpha = t - i``,

    z_hat[j] = (1 - alpha) * z[i] + alpha * z[i + 1].

Past the last source frame the last value is held (there is no ``z[i + 1]`` to blend with).
The feature extractors and the visual conditioner both use these functions, so features are
aligned to MusicGen's 50 Hz token rate in exactly one way everywhere.
"""
import math
import typing as tp

import torch


def num_target_frames(num_frames: int, src_rate: float, tgt_rate: float) -> int:
    """Number of frames covering the same duration (``num_frames / src_rate`` s) at ``tgt_rate``."""
    if src_rate <= 0 or tgt_rate <= 0:
        raise ValueError(f"Frame rates must be positive, got src_rate={src_rate}, tgt_rate={tgt_rate}.")
    return int(math.floor(num_frames * tgt_rate / src_rate + 1e-6))


def interpolation_weights(num_frames: int, src_rate: float, tgt_rate: float, length: int,
                          device: tp.Optional[torch.device] = None
                          ) -> tp.Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Indices ``i``, ``i + 1`` (clamped) and blend ``alpha`` for ``length`` target frames, each ``[length]``."""
    if num_frames < 1:
        raise ValueError("Cannot interpolate an empty feature sequence.")
    t = torch.arange(length, device=device, dtype=torch.float64) * (src_rate / tgt_rate)
    lower = torch.floor(t).long().clamp(max=num_frames - 1)
    upper = (lower + 1).clamp(max=num_frames - 1)
    alpha = (t - lower.double()).clamp(0., 1.)
    alpha = torch.where(lower == upper, torch.zeros_like(alpha), alpha)
    return lower, upper, alpha


def interpolate_features(features: torch.Tensor, src_rate: float, tgt_rate: float,
                         length: tp.Optional[int] = None) -> torch.Tensor:
    """Resample a feature sequence from ``src_rate`` to ``tgt_rate`` by linear interpolation.

    Args:
        features: ``[T, D]`` or ``[B, T, D]`` features at ``src_rate`` frames per second.
        src_rate: frame rate of ``features`` (Hz).
        tgt_rate: wanted frame rate (Hz), e.g. 50 for MusicGen's EnCodec tokens.
        length: number of output frames; defaults to the same duration at ``tgt_rate``.
    Returns:
        ``[T', D]`` or ``[B, T', D]`` resampled features, same dtype as the input.
    """
    time_dim = features.dim() - 2
    if time_dim not in (0, 1):
        raise ValueError(f"Expected features of shape [T, D] or [B, T, D], got {tuple(features.shape)}.")
    num_frames = features.shape[time_dim]
    if length is None:
        length = num_target_frames(num_frames, src_rate, tgt_rate)
    lower, upper, alpha = interpolation_weights(num_frames, src_rate, tgt_rate, length, features.device)
    alpha = alpha.to(features.dtype).unsqueeze(-1)
    low = features.index_select(time_dim, lower)
    high = features.index_select(time_dim, upper)
    return (1 - alpha) * low + alpha * high
