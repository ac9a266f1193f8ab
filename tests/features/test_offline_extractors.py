"""Offline extractors (flow, mediapipe_face, mediapipe_pose) on synthetic and real clips."""
import numpy as np
import pytest

from audiocraft_expotion.features import build_extractor
from audiocraft_expotion.media.video import read_video
from audiocraft_expotion.features.flow import flow_summary


def test_flow_summary_hand_values():
    flow = np.zeros((8, 8, 2))
    flow[:4, :4] = (3., 4.)  # magnitude 5 in the top-left quarter
    summary = flow_summary(flow, grid=2)
    assert summary[0] == pytest.approx(1.25)  # mean magnitude
    assert summary[1] == pytest.approx(np.sqrt(0.25 * 25 - 1.25 ** 2))
    assert summary[3:5].tolist() == pytest.approx([0.75, 1.])
    assert summary[5:].tolist() == pytest.approx([5., 0., 0., 0.])


def test_flow_energy_rises_exactly_while_the_square_moves(moving_square):
    path, positions, _ = moving_square
    video = read_video(path)
    extractor = build_extractor("flow")
    result = extractor.extract(video)
    assert result.features.shape == (30, extractor.dim) and result.fps == 10 and result.start == 0
    source = video.grid(10).index
    moving = positions[source[:-1]] != positions[source[1:]]
    moving = np.append(moving, moving[-1])
    energy = result.features[:, 0]
    assert moving.any() and (~moving).any()
    assert energy[moving].min() > 10 * energy[~moving].max() + 1e-4
    # the square moves right: mean horizontal flow positive, vertical ~0; energy in the square's rows
    assert (result.features[moving, 3] > 0).all()
    assert np.abs(result.features[moving, 4]).mean() < 0.25 * result.features[moving, 3].mean()
    cells = result.features[moving, 5:].reshape(-1, 4, 4)
    assert (cells[:, 1:3].sum(axis=(1, 2)) > cells[:, [0, 3]].sum(axis=(1, 2))).all()


def test_flow_on_real_vfr_clip(real_videos):
    video = read_video(real_videos["owl_clip3.mp4"], max_side=160)
    result = build_extractor("flow").extract(video)
    assert result.num_frames == int(np.ceil(video.end * 10))
    assert result.meta["first_frame_time"] == pytest.approx(0.645)
    held = result.meta["held_frames"]
    assert held == 7 and np.all(result.features[:held - 1] == 0)  # before the first frame nothing moves
    assert result.features[held:, 0].mean() > 0


def test_mediapipe_face_on_real_clip(real_videos):
    video = read_video(real_videos["monkey_clip18.mp4"], max_side=320)
    extractor = build_extractor("mediapipe_face")
    result = extractor.extract(video)
    assert result.features.shape == (100, extractor.dim) == (100, 317) and result.fps == 10
    assert result.meta["face_frames_missing"] < 10
    presence = result.features[:, -1]
    assert presence.mean() > 0.9
    landmarks = result.features[:, :-13].reshape(100, -1, 2)
    assert landmarks.min() >= -0.05 and landmarks.max() <= 1.05
    assert result.features[:, 2 * 152].std() > 0  # mouth opening varies (the subject moves)


def test_mediapipe_face_without_face_gives_zeros(moving_square):
    result = build_extractor("mediapipe_face").extract(read_video(moving_square[0]))
    assert result.meta["face_frames_missing"] == result.meta["face_frames"]
    assert np.all(result.features == 0)


def test_mediapipe_pose_on_real_clip(real_videos):
    video = read_video(real_videos["owl_clip3.mp4"], max_side=320)
    extractor = build_extractor("mediapipe_pose")
    result = extractor.extract(video)
    frames = int(np.ceil(video.end * 5))
    assert result.features.shape == (frames, extractor.dim) == (frames, 126) and result.fps == 5
    assert result.features[:, -1].mean() > 0.9
    positions, velocity = result.features[:, :50], result.features[:, 75:125]
    assert np.allclose(velocity, np.gradient(positions, 0.2, axis=0), atol=1e-5)
    shoulders = positions.reshape(frames, 25, 2)[:, 11:13]
    assert (shoulders[..., 1] > positions.reshape(frames, 25, 2)[:, 0:1, 1]).mean() > 0.9  # below the nose
