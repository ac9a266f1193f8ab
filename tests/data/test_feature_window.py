"""Feature cuts at the exact seek time of an audio segment (issue 10 items 1 and 3)."""
import math

import numpy as np
import pytest
import torch

from audiocraft_expotion.data.feature_io import FeatureFile
from audiocraft_expotion.data.feature_window import cut_features, window_positions
from audiocraft_expotion.modules.conditions import FeatureSequence, VisualCondition
from audiocraft_expotion.modules.visual_conditioner import VisualConditioner

LM_RATE = 50.  # MusicGen's token rate
EXTRACTOR_FPS = [5., 10., 25., 40.]  # MARLIN / RAFT, offline flow, Synchformer-like, fast extractors


def clip_time_ramp(num_frames: int, fps: float, start: float = 0.) -> FeatureFile:
    """Features whose single channel is the clip time of the frame (``start + i / fps``)."""
    return FeatureFile((start + np.arange(num_frames) / fps)[:, None].astype(np.float32), fps, start)


def conditioned_times(features: torch.Tensor, fps: float) -> torch.Tensor:
    """``[T]`` value of each LM frame the visual conditioner makes from ``[n, 1]`` ramp features (W_f = 1)."""
    conditioner = VisualConditioner(modalities=["face"], face_dim=1, face_rank=1, frame_rate=LM_RATE)
    with torch.no_grad():
        conditioner.projections["face"].weight.fill_(1.)
        embeds, mask = conditioner(VisualCondition(face=FeatureSequence.single(features, fps)))
    return embeds[0, mask[0].bool(), 0].double()


@pytest.mark.parametrize("fps", EXTRACTOR_FPS)
def test_first_conditioned_lm_frame_of_a_segment_reads_its_seek_time(fps):
    """A segment starting at 0.13 s: LM frame 0 is the video at 0.13 s (before: 0.0 s at 5 fps, 0.1 s at 10 fps)."""
    ramp = clip_time_ramp(int(12 * fps), fps)
    times = conditioned_times(cut_features(ramp, 0.13, 2.0), fps)
    assert abs(times[0].item() - 0.13) <= 1 / LM_RATE
    # Every LM frame j reads clip time seek + j / 50 exactly (linear features stay linear under eq. 1),
    # up to the segment's last feature frame (seek + (n - 1) / fps), which is held for the last < 1 / fps s.
    last = 0.13 + (math.ceil(2.0 * fps) - 1) / fps
    expected = (0.13 + torch.arange(len(times), dtype=torch.float64) / LM_RATE).clamp(max=last)
    assert len(times) == 2.0 * LM_RATE
    torch.testing.assert_close(times, expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize("fps,start", [(5.0, 0.0), (7.5, 0.645), (24.0, 0.2), (29.97, 0.0), (40., 0.5)])
def test_cut_reads_the_features_at_exact_clip_times(fps, start):
    rng = np.random.default_rng(0)
    ramp = clip_time_ramp(int(12 * fps), fps, start)
    last_time = ramp.times()[-1]
    for _ in range(50):
        duration = float(rng.uniform(0.5, 4.0))
        seek = float(rng.uniform(start, last_time - duration))
        cut = cut_features(ramp, seek, duration)[:, 0].double().numpy()
        assert len(cut) == math.ceil(duration * fps - 1e-9)
        np.testing.assert_allclose(cut, seek + np.arange(len(cut)) / fps, atol=1e-5)  # float32 times


def test_a_seek_on_a_frame_boundary_copies_the_frames_bit_exactly():
    # 0.6 s at 5 fps is exactly frame 3, although 0.6 * 5 = 2.9999999999999996 in floats.
    rng = np.random.default_rng(1)
    feature_file = FeatureFile(rng.standard_normal((50, 8)).astype(np.float32), 5.)
    assert torch.equal(cut_features(feature_file, 0.6, 1.0), feature_file.tensor()[3:8])
    assert window_positions(feature_file, 0.6, 1.0).tolist() == pytest.approx([3, 4, 5, 6, 7])


def test_start_is_the_clip_time_of_frame_zero():
    """The same clip time reads the same features whatever the file's ``start`` (issue 10 item 3)."""
    late = clip_time_ramp(40, 10., start=0.5)  # frames at 0.5, 0.6, ... 4.4 s
    np.testing.assert_allclose(late.times()[[0, 1, -1]], [0.5, 0.6, 4.4])
    cut = cut_features(late, 1.23, 1.0)[:, 0].double().numpy()
    np.testing.assert_allclose(cut, 1.23 + np.arange(10) / 10, atol=1e-6)


def test_edges_hold_the_nearest_frame():
    feature_file = clip_time_ramp(20, 5.0, 1.0)  # frames at 1.0 ... 4.8 s
    before = cut_features(feature_file, 0.0, 2.0)[:, 0].double().numpy()
    # 0 - 1 s has no frame: frame 0 (1.0 s) is held, then the frames follow in time.
    np.testing.assert_allclose(before, [1.0] * 6 + [1.2, 1.4, 1.6, 1.8], atol=1e-6)
    after = cut_features(feature_file, 4.5, 1.0)[:, 0].double().numpy()
    np.testing.assert_allclose(after, [4.5, 4.7, 4.8, 4.8, 4.8], atol=1e-6)


def test_non_positive_duration_is_rejected():
    with pytest.raises(ValueError, match="duration"):
        cut_features(clip_time_ramp(10, 5.0), 0.0, 0.0)
