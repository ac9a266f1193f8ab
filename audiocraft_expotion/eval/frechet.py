"""Fréchet distance between two Gaussians, the core of FAD (Kilgour et al., Interspeech 2019).

    d^2 = ||mu_1 - mu_2||^2 + Tr(S_1) + Tr(S_2) - 2 Tr((S_1 S_2)^{1/2})

Follows the formula of google-research's ``frechet_audio_distance`` (which uses
``scipy.linalg.sqrtm``), but computes the trace term in float64 from the eigenvalues of the
symmetric PSD matrix ``S_1^{1/2} S_2 S_1^{1/2}`` (same spectrum as ``S_1 S_2``), which is real and
stable for the rank-deficient covariances of small evaluation sets. Units: squared embedding units.
"""
import typing as tp

import numpy as np


def gaussian_stats(embeddings: np.ndarray) -> tp.Tuple[np.ndarray, np.ndarray]:
    """Mean ``[D]`` and unbiased covariance ``[D, D]`` of ``embeddings`` ``[N, D]`` (N >= 2)."""
    embeddings = np.asarray(embeddings, dtype=np.float64)
    if embeddings.ndim != 2 or embeddings.shape[0] < 2:
        raise ValueError(f"need embeddings [N >= 2, D], got shape {embeddings.shape}")
    return embeddings.mean(axis=0), np.cov(embeddings, rowvar=False)


def _psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    """Square root of a symmetric PSD matrix ``[D, D]`` (negative round-off eigenvalues clipped)."""
    eigvals, eigvecs = np.linalg.eigh((matrix + matrix.T) / 2)
    return (eigvecs * np.sqrt(np.clip(eigvals, 0, None))) @ eigvecs.T


def frechet_distance(mu_1: np.ndarray, sigma_1: np.ndarray, mu_2: np.ndarray, sigma_2: np.ndarray) -> float:
    """Squared Fréchet distance of N(mu_1, sigma_1) and N(mu_2, sigma_2); means ``[D]``, covariances ``[D, D]``."""
    mu_1, mu_2 = np.atleast_1d(np.asarray(mu_1, np.float64)), np.atleast_1d(np.asarray(mu_2, np.float64))
    sigma_1, sigma_2 = np.atleast_2d(np.asarray(sigma_1, np.float64)), np.atleast_2d(np.asarray(sigma_2, np.float64))
    if mu_1.shape != mu_2.shape or sigma_1.shape != sigma_2.shape or sigma_1.shape != mu_1.shape * 2:
        raise ValueError(f"shape mismatch: mu {mu_1.shape} / {mu_2.shape}, sigma {sigma_1.shape} / {sigma_2.shape}")
    root_1 = _psd_sqrt(sigma_1)
    cross = root_1 @ sigma_2 @ root_1
    trace_sqrt = np.sqrt(np.clip(np.linalg.eigvalsh((cross + cross.T) / 2), 0, None)).sum()
    diff = mu_1 - mu_2
    return float(diff @ diff + np.trace(sigma_1) + np.trace(sigma_2) - 2 * trace_sqrt)
