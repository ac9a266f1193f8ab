import math

import pytest
import torch
from audiocraft.metrics.kld import kl_divergence

from audiocraft_expotion.eval.inception import inception_score


def test_audiocraft_kl_divergence_is_kl_of_reference_from_generated():
    """evaluate.py calls audiocraft's ``kl_divergence(p_gen, p_ref)`` for KL(p_ref || p_gen): pin that contract."""
    gen = torch.tensor([[0.5, 0.5], [0.9, 0.1]])
    ref = torch.tensor([[0.25, 0.75], [0.9, 0.1]])
    kl = kl_divergence(gen, ref)
    expected = 0.25 * math.log(0.25 / (0.5 + 1e-6)) + 0.75 * math.log(0.75 / (0.5 + 1e-6))
    assert kl[0].item() == pytest.approx(expected, abs=1e-6)
    assert kl[1].item() == pytest.approx(0.0, abs=1e-5)
    assert kl_divergence(ref, gen)[0].item() != pytest.approx(expected, abs=1e-3)  # asymmetric


def test_inception_score_extremes():
    assert inception_score(torch.full((4, 5), 0.2)) == pytest.approx(1.0)  # no confidence
    assert inception_score(torch.eye(5)) == pytest.approx(5.0, rel=1e-6)  # confident and all different


def test_inception_score_hand_computed():
    probs = torch.tensor([[0.8, 0.2], [0.4, 0.6]])
    marginal = [0.6, 0.4]
    kls = [sum(p * math.log(p / m) for p, m in zip(row, marginal)) for row in probs.tolist()]
    assert inception_score(probs) == pytest.approx(math.exp(sum(kls) / 2), rel=1e-6)
