"""The video reader: timestamps (VFR, first-frame offsets), rotation, only the needed frames, clear errors."""
import av
import numpy as np
import pytest

from audiocraft_expotion.media.container import MediaError
from audiocraft_expotion.media.video import read_video
from features.synthetic import square_frame, write_sine, write_video


def test_real_clips_timestamps(real_videos):
    owl = read_video(real_videos["owl_clip3.mp4"])
    assert owl.num_frames == 140 and owl.first_time == pytest.approx(0.645)
    steps = np.diff(owl.times)
    assert steps.min() < 0.9 * np.median(steps) or steps.max() > 1.1 * np.median(steps)  # VFR
    grid = owl.grid(5)
    assert grid.num_frames == int(np.ceil(owl.end * 5))
    targets = np.arange(grid.num_frames) / 5
    assert grid.held_frames == int((targets < 0.645).sum()) == 4
    assert (grid.index[:4] == 0).all()
    after = targets >= owl.first_time
    shown = owl.times[grid.index[after]]
    assert (shown <= targets[after] + 1e-6).all()
    next_index = np.minimum(grid.index[after] + 1, owl.num_frames - 1)
    assert ((owl.times[next_index] > targets[after]) | (grid.index[after] == owl.num_frames - 1)).all()

    monkey = read_video(real_videos["monkey_clip18.mp4"])
    assert monkey.first_time == 0 and monkey.end == pytest.approx(10.)
    assert np.array_equal(monkey.grid(25).index, np.arange(250))
    assert np.array_equal(monkey.grid(5).index, np.arange(0, 250, 5))


def test_rabbit_resampled_to_80_fps(real_videos):
    rabbit = read_video(real_videos["rabbit_clip2.mp4"], max_side=160)
    assert rabbit.frames.shape[1:] == (120, 160, 3)
    grid = rabbit.grid(80)
    assert grid.num_frames == int(np.ceil(rabbit.end * 80))
    assert grid.held_frames == int(np.ceil(0.245 * 80 - 1e-9))
    assert (np.diff(grid.index) >= 0).all() and set(grid.index) <= set(range(rabbit.num_frames))


@pytest.mark.parametrize("name,codec", [("vfr.mp4", "libx264"), ("vfr.mkv", "mpeg4"), ("vfr.mov", "mjpeg")])
def test_vfr_offset_resampling_any_container(tmp_path, name, codec):
    times = [0.5, 0.55, 0.7, 0.71, 1.0, 1.3]
    path = write_video(tmp_path / name, [square_frame(8 + 16 * i) for i in range(6)], times, codec=codec)
    video = read_video(path)
    assert video.times.tolist() == pytest.approx(times, abs=1e-3)
    grid = video.grid(10)  # targets 0.0 .. 1.5
    assert grid.num_frames == int(np.ceil(video.end * 10 - 1e-6))
    # end = 1.3 + median step 0.15; t <= 0.5 -> frame 0; 0.6 -> 0.55 (1); 0.7 -> 0.70 (2);
    # 0.8, 0.9 -> 0.71 (3); 1.0 .. 1.2 -> 4; 1.3, 1.4 -> 5
    assert grid.index.tolist() == [0] * 6 + [1, 2, 3, 3, 4, 4, 4, 5, 5]
    assert grid.held_frames == 5
    sampled = video.sample(10)
    squares = [int(np.argmax(frame[60, :, 0] > 150)) for frame in sampled]  # left edge of the square
    assert squares[6] > squares[5] and squares[7] > squares[6]


def test_rotation_metadata_is_applied(tmp_path):
    frame = np.zeros((32, 64, 3), np.uint8)
    frame[:16, :16] = 255  # white top-left corner
    video = read_video(write_video(tmp_path / "rot.mp4", [frame] * 3, [0, .1, .2], rotation=90))
    assert video.rotation == 90
    assert video.frames.shape[1:] == (64, 32, 3)
    upright = video.frames[0, ..., 0] > 128  # 90 degrees counterclockwise: corner now bottom-left
    assert upright[56, 4] and not upright[4, 4] and not upright[56, 28]


def _write(path, data):
    path.write_bytes(data)
    return path


def _audio_only(path):
    with av.open(str(path), "w") as container:
        write_sine(container, container.add_stream("aac", rate=32000, layout="mono"), 0.5)
    return path


def _zero_frames(path):
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=25)
        video.width, video.height, video.pix_fmt = 64, 64, "yuv420p"
        write_sine(container, container.add_stream("aac", rate=32000, layout="mono"), 0.5)
    return path


@pytest.mark.parametrize("make,message", [
    (lambda p: p / "missing.mp4", "does not exist"),
    (lambda p: p, "is a folder"),
    (lambda p: _write(p / "empty.mp4", b""), "empty"),
    (lambda p: _write(p / "corrupt.mp4", b"\x00garbage" * 300), "cannot open"),
    (lambda p: _audio_only(p / "audio.m4a"), "no video stream"),
    (lambda p: _zero_frames(p / "zero.mkv"), "zero decodable frames"),
])
def test_bad_videos_give_clear_errors(tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(MediaError, match=message) as error:
        read_video(path)
    assert str(path) in str(error.value)


@pytest.mark.parametrize("rates", [[5], [80], [25, 5], [0.8], [10, 40]])
def test_only_needed_frames_are_kept_and_grids_are_exact(real_videos, rates):
    """Reading for some frame rates keeps fewer frames but gives exactly the grids of a full decode."""
    for name in ("owl_clip3.mp4", "rabbit_clip2.mp4"):
        full = read_video(real_videos[name], max_side=160)
        part = read_video(real_videos[name], fps=rates, max_side=160)
        assert part.end == full.end and part.source_frames == full.num_frames
        assert part.num_frames <= full.num_frames
        for fps in rates:
            assert np.array_equal(part.sample(fps), full.sample(fps))
            assert part.grid(fps).held_frames == full.grid(fps).held_frames
        with pytest.raises(ValueError, match="read for the"):
            part.grid(3)


def test_few_frames_are_few_bytes(real_videos):
    """8 frames of a 10 s 640x480 clip: at most the frames shown at the grid's 8 times (+ the first frame)."""
    owl = read_video(real_videos["owl_clip3.mp4"], fps=0.8)
    assert owl.source_frames == 140 and owl.num_frames <= 9
    assert owl.frames.nbytes <= 9 * 640 * 480 * 3
    assert owl.sample(0.8).shape == (8, 480, 640, 3)


def test_vfr_grid_from_a_selective_read(tmp_path):
    times = [0.5, 0.55, 0.7, 0.71, 1.0, 1.3]
    path = write_video(tmp_path / "vfr.mp4", [square_frame(8 + 16 * i) for i in range(6)], times)
    video = read_video(path, fps=10)
    assert video.grid(10).index.tolist() == [0] * 6 + [1, 2, 3, 3, 4, 4, 4, 5, 5]  # same as the full read above
    assert video.source_frames == 6 and video.num_frames == 6
    sparse = read_video(path, fps=2)  # targets 0, 0.5, 1.0 -> frames at 0.5 and 1.0 only
    assert sparse.times.tolist() == pytest.approx([0.5, 1.0], abs=1e-3)
