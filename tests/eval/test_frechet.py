import numpy as np
import pytest
import torch
from scipy import linalg

from audiocraft_expotion.eval.fad import fad_from_embeddings
from audiocraft_expotion.eval.frechet import frechet_distance, gaussian_stats


def _scipy_reference(mu1, s1, mu2, s2):
    covmean = linalg.sqrtm(s1 @ s2).real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def test_one_dimensional_gaussians_closed_form():
    # d^2 = (m1 - m2)^2 + (s1 - s2)^2 for N(m1, s1^2), N(m2, s2^2)
    assert frechet_distance(np.array([1.0]), np.array([[4.0]]), np.array([-2.0]), np.array([[9.0]])) \
        == pytest.approx(3.0 ** 2 + (2.0 - 3.0) ** 2)


def test_diagonal_covariances_closed_form():
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    v1, v2 = np.array([1.0, 4.0, 0.25]), np.array([4.0, 1.0, 1.0])
    expected = ((mu1 - mu2) ** 2).sum() + ((np.sqrt(v1) - np.sqrt(v2)) ** 2).sum()
    assert frechet_distance(mu1, np.diag(v1), mu2, np.diag(v2)) == pytest.approx(expected)


def test_matches_scipy_sqrtm_on_random_full_covariances():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(6, 6)), rng.normal(size=(6, 6))
    s1, s2 = a @ a.T + 0.1 * np.eye(6), b @ b.T + 0.1 * np.eye(6)
    mu1, mu2 = rng.normal(size=6), rng.normal(size=6)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(_scipy_reference(mu1, s1, mu2, s2), rel=1e-6)


def test_identical_gaussians_and_rank_deficient_covariance_give_zero():
    x = np.random.default_rng(1).normal(size=(5, 16))  # 5 samples in 16-D: rank 4 covariance
    mu, sigma = gaussian_stats(x)
    assert frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=1e-5)


def test_gaussian_stats_and_fad_from_embeddings():
    rng = np.random.default_rng(2)
    gen, ref = rng.normal(size=(400, 2)), rng.normal(loc=[3.0, 0.0], size=(300, 2))
    mu, sigma = gaussian_stats(gen)
    np.testing.assert_allclose(sigma, np.cov(gen.T))
    fad = fad_from_embeddings([torch.from_numpy(gen[:150]), torch.from_numpy(gen[150:])], [torch.from_numpy(ref)])
    assert fad == pytest.approx(9.0, abs=0.8)  # mean shift of 3, unit covariances
    with pytest.raises(ValueError, match=">= 2 embeddings"):
        fad_from_embeddings([torch.zeros(1, 2)], [torch.from_numpy(ref)])
