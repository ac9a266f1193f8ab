"""Temporal smoothing (paper eq. 1/3) and the seconds -> frames rule, against hand-computed values."""
import pytest
import torch

from audiocraft_expotion.modules.temporal import (interpolate_at, interpolate_features, num_target_frames,
                                                  seconds_to_frames)


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


def test_eq1_at_fractional_positions_holds_the_ends():
    z = torch.tensor([[0.], [10.], [20.]])
    out = interpolate_at(z, torch.tensor([-1., 0., 0.25, 1.5, 2., 7.]))
    assert out[:, 0].tolist() == pytest.approx([0., 0., 2.5, 15., 20., 20.])


def test_positions_on_whole_frames_copy_them_bit_exactly():
    z = torch.randn(6, 4)
    positions = torch.arange(6, dtype=torch.float64) * 0.1 * 10  # 0.30000000000000004 * 10 etc.
    assert torch.equal(interpolate_at(z, positions), z)


def test_seconds_to_frames_rounds_to_the_nearest_frame():
    assert seconds_to_frames(1.16, 25) == 29  # int(1.16 * 25) == 28
    assert seconds_to_frames(1.16, 50) == 58
    assert seconds_to_frames(1.16, 32000) == 37120
    assert seconds_to_frames(0.02, 25) == 1  # half a frame rounds up
    with pytest.raises(ValueError):
        seconds_to_frames(-1., 50)
