"""Motion features on the real clips: energy follows where the person moves; RAFT runs on a real clip."""
import numpy as np
import pytest

from audiocraft_expotion.features import build_extractor
from audiocraft_expotion.media.video import read_video


@pytest.mark.parametrize("name", ["owl_clip3.mp4", "rabbit_clip2.mp4", "monkey_clip18.mp4"])
def test_flow_energy_is_higher_in_the_seconds_where_the_picture_moves(real_videos, name):
    """The camera is static, so pixel change between frames marks the person's movement. Per second,
    the flow energy (mean magnitude) must follow it: high where the person moves, low where still."""
    video = read_video(real_videos[name], max_side=160)
    energy = build_extractor("flow").extract(video).features[:, 0]  # 10 fps
    frames = video.sample(10).astype(np.float32)
    change = np.r_[0., np.abs(np.diff(frames, axis=0)).mean(axis=(1, 2, 3))]
    seconds = min(len(energy), len(change)) // 10
    energy_s = energy[:seconds * 10].reshape(seconds, 10).mean(axis=1)
    change_s = change[:seconds * 10].reshape(seconds, 10).mean(axis=1)
    order = np.argsort(change_s)
    third = max(1, seconds // 3)
    moving, still = energy_s[order[-third:]].mean(), energy_s[order[:third]].mean()
    assert moving > 1.2 * still
    assert np.corrcoef(energy_s, change_s)[0, 1] > 0.6


def test_raft_with_random_weights_on_a_real_vfr_clip(real_videos):
    video = read_video(real_videos["rabbit_clip2.mp4"], max_side=128)
    result = build_extractor("raft", random_weights=True, side=128, flow_updates=1).extract(video)
    assert result.fps == 5 and result.start == 0 and result.dim == 256
    assert result.num_frames == int(np.ceil(video.end * 5))
    assert result.meta["held_frames"] == 2  # first frame at 0.245 s: grid times 0 and 0.2 s hold it
    assert np.isfinite(result.features).all()
