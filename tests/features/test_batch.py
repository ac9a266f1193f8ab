"""Decoding for a batch of extractors keeps only the frames their grids show, and the features match
those of a full decode."""
import numpy as np

from audiocraft_expotion.features import build_extractor
from audiocraft_expotion.features.video_features import decode_for
from audiocraft_expotion.media.video import read_video


def test_decode_for_keeps_only_sampled_frames(real_videos):
    path = real_videos["rabbit_clip2.mp4"]  # ~30 fps, 294 frames
    flow, pose = build_extractor("flow"), build_extractor("mediapipe_pose")  # 10 and 5 fps grids
    video = decode_for(path, [flow, pose])
    assert video.source_frames == 294 and video.rates == (5., 10.)
    assert video.num_frames <= video.grid(10).num_frames + 1 < 294 // 2
    assert max(video.frames.shape[1:3]) == 320  # the larger max_side of the two
    full = read_video(path, max_side=320)
    assert np.array_equal(video.sample(10), full.sample(10))
    np.testing.assert_array_equal(flow.extract(video).features, flow.extract(full).features)
