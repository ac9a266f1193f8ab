import math

import numpy as np
import pytest

from audiocraft_expotion.data.feature_io import FeatureFile
from audiocraft_expotion.data.feature_window import cut_features, window_frames


def timed_file(num_frames: int, fps: float, start: float) -> FeatureFile:
    """Features whose single channel is the time of the frame."""
    return FeatureFile((start + np.arange(num_frames) / fps)[:, None].astype(np.float64), fps, start)


@pytest.mark.parametrize("fps,start", [(5.0, 0.0), (7.5, 0.645), (24.0, 0.2), (29.97, 0.0)])
def test_cut_covers_the_segment_span(fps, start):
    rng = np.random.default_rng(0)
    feature_file = timed_file(int(12 * fps), fps, start)
    last_time = start + (feature_file.num_frames - 1) / fps
    for _ in range(50):
        duration = float(rng.uniform(0.5, 4.0))
        seek = float(rng.uniform(start, last_time - duration))
        cut = cut_features(feature_file, seek, duration)[:, 0].double().numpy()
        assert len(cut) == math.ceil(duration * fps - 1e-9)
        # Frame 0 is the frame covering the seek time, then one frame every 1 / fps.
        assert cut[0] <= seek + 1e-5 < cut[0] + 1 / fps
        np.testing.assert_allclose(np.diff(cut), 1 / fps, atol=1e-5)  # float32 times
        assert seek + duration - 2 / fps < cut[-1] < seek + duration


def test_frame_boundaries_are_exact():
    # seek_time = 0.6 s at 5 fps is exactly frame 3, despite 0.6 * 5 = 2.9999999999999996 in floats.
    feature_file = timed_file(50, 5.0, 0.0)
    assert window_frames(feature_file, 0.6, 1.0).tolist() == [3, 4, 5, 6, 7]


def test_edges_repeat_the_nearest_frame():
    feature_file = timed_file(20, 5.0, 1.0)  # frames at 1.0 ... 4.8 s
    before = cut_features(feature_file, 0.0, 2.0)[:, 0].double().numpy()
    # 0 - 1 s has no frame: frame 0 (1.0 s) is repeated, then the frames follow in time.
    np.testing.assert_allclose(before, [1.0] * 6 + [1.2, 1.4, 1.6, 1.8], atol=1e-6)
    after = cut_features(feature_file, 4.5, 1.0)[:, 0].double().numpy()
    np.testing.assert_allclose(after, [4.4, 4.6, 4.8, 4.8, 4.8], atol=1e-6)


def test_non_positive_duration_is_rejected():
    with pytest.raises(ValueError, match="duration"):
        window_frames(timed_file(10, 5.0, 0.0), 0.0, 0.0)
