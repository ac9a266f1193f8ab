"""Temporal smoothing (paper eq. 1/3) against hand-computed values."""
import pytest
import torch

from audiocraft_expotion.modules.temporal import interpolate_features, num_target_frames


def test_ramp_5_to_50_fps_is_linear_between_frames():
    ramp = torch.tensor([[0.], [10.], [20.]])  # 5 fps: 0 s, 0.2 s, 0.4 s
    out = interpolate_features(ramp, 5, 50)
    assert out.shape == (30, 1)
    # t = j * 5 / 50 = j / 10: value 10 * t until the last source frame, then held.
    assert out[:21, 0].tolist() == pytest.approx([float(j) for j in range(21)])
    assert out[21:, 0].tolist() == pytest.approx([20.] * 9)


def test_eq1_values_between_two_frames():
    z = torch.tensor([[1., -2.], [3., 6.]])
    out = interpolate_features(z, 2, 8, length=4)  # t = 0, 0.25, 0.5, 0.75
    expected = [[1., -2.], [1.5, 0.], [2., 2.], [2.5, 4.]]
    assert torch.allclose(out, torch.tensor(expected))


def test_clamps_at_the_end_and_counts_frames():
    z = torch.tensor([[0.], [4.]])
    out = interpolate_features(z, 1, 4, length=10)
    assert out[4:, 0].tolist() == pytest.approx([4.] * 6)
    assert num_target_frames(50, 5, 50) == 500
    assert num_target_frames(400, 40, 50) == 500


def test_batched_matches_single():
    z = torch.randn(2, 7, 3)
    out = interpolate_features(z, 5, 50)
    assert torch.allclose(out[1], interpolate_features(z[1], 5, 50))
