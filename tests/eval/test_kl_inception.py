import math

import pytest
import torch

from audiocraft_expotion.eval.inception import inception_score
from audiocraft_expotion.eval.kl import kl_divergence


def test_kl_divergence_hand_computed():
    gen = torch.tensor([[0.5, 0.5], [0.9, 0.1]])
    ref = torch.tensor([[0.25, 0.75], [0.9, 0.1]])
    kl = kl_divergence(gen, ref)  # KL(ref || gen)
    expected = 0.25 * math.log(0.25 / 0.5) + 0.75 * math.log(0.75 / 0.5)
    assert kl[0].item() == pytest.approx(expected, abs=1e-5)
    assert kl[1].item() == pytest.approx(0.0, abs=1e-5)


def test_kl_divergence_is_asymmetric_and_checks_shapes():
    p, q = torch.tensor([[0.2, 0.8]]), torch.tensor([[0.6, 0.4]])
    assert kl_divergence(p, q).item() != pytest.approx(kl_divergence(q, p).item(), abs=1e-3)
    with pytest.raises(ValueError, match="shape"):
        kl_divergence(torch.ones(1, 2) / 2, torch.ones(1, 3) / 3)


def test_inception_score_extremes():
    assert inception_score(torch.full((4, 5), 0.2)) == pytest.approx(1.0)  # no confidence
    assert inception_score(torch.eye(5)) == pytest.approx(5.0, rel=1e-6)  # confident and all different


def test_inception_score_hand_computed():
    probs = torch.tensor([[0.8, 0.2], [0.4, 0.6]])
    marginal = [0.6, 0.4]
    kls = [sum(p * math.log(p / m) for p, m in zip(row, marginal)) for row in probs.tolist()]
    assert inception_score(probs) == pytest.approx(math.exp(sum(kls) / 2), rel=1e-6)
