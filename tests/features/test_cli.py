"""The extraction command line, run as a subprocess on a folder with good and bad videos."""
import os
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from audiocraft_expotion.data.feature_io import load_features
from audiocraft_expotion.features.cli import checkpoints_by_name, main

from .synthetic import square_frame, write_sine, write_video

REPO = Path(__file__).resolve().parents[2]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "audiocraft_expotion.features", "extract", *args],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=600)


def run_main(capsys, *args: str) -> subprocess.CompletedProcess:
    """The command in this process (faster than :func:`run_cli`); same result type."""
    code = main(["extract", *args])
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, captured.out, captured.err)


@pytest.fixture
def folder(tmp_path):
    videos = tmp_path / "videos"
    (videos / "sub").mkdir(parents=True)
    write_video(videos / "good.mp4", [square_frame(8 + 2 * k) for k in range(20)], np.arange(20) / 10)
    (videos / "empty.mp4").write_bytes(b"")
    (videos / "sub" / "corrupt.mov").write_bytes(b"\x00not a video" * 100)
    with av.open(str(videos / "sub" / "sound.mp4"), "w") as container:
        write_sine(container, container.add_stream("aac", rate=32000, layout="mono"), 0.5)
    (videos / "notes.txt").write_text("not a video suffix, ignored")
    return videos


def test_folder_with_failures_summary_and_resume(folder, tmp_path):
    out = tmp_path / "out"
    first = run_cli("--extractor", "flow", str(folder), "--out", str(out), "--plot")
    assert first.returncode == 1, first.stderr
    assert "4/4" in first.stderr and "100%" in first.stderr  # tqdm progress bar
    assert "1 extracted, 0 already done, 3 failed" in first.stdout
    summary = first.stdout.split("Failed clips (3):")[1]
    assert f"{folder / 'empty.mp4'}: file is empty" in summary
    assert f"{folder / 'sub' / 'corrupt.mov'}: cannot open" in summary
    assert f"{folder / 'sub' / 'sound.mp4'}: no video stream" in summary
    features = load_features(out / "good.flow.npz")
    assert features.features.shape == (20, 21) and features.fps == 10 and features.start == 0
    meta = features.meta
    assert meta["extractor"] == "flow" and meta["version"] == "1" and meta["modality"] == "motion"
    assert meta["source"]["path"] == str((folder / "good.mp4").resolve())
    assert meta["source"]["size"] == (folder / "good.mp4").stat().st_size and len(meta["source"]["sha256"]) == 64
    assert meta["settings"] == {"fps": 10., "side": 160, "grid": 4, "method": "DIS-ultrafast"}
    assert "weights_sha256" in meta
    assert (out / "good.flow.png").stat().st_size > 1000
    assert sorted(p.name for p in out.iterdir()) == ["good.flow.npz", "good.flow.png"]

    second = run_cli("--extractor", "flow", str(folder), "--out", str(out))
    assert second.returncode == 1 and "0 extracted, 1 already done, 3 failed" in second.stdout
    (out / "good.flow.npz").write_bytes((out / "good.flow.npz").read_bytes()[:500])  # half-written: redone
    third = run_cli("--extractor", "flow", str(folder / "good.mp4"), "--out", str(out), "--quiet")
    assert third.returncode == 0 and "1 extracted, 0 already done, 0 failed" in third.stdout
    assert load_features(out / "good.flow.npz").num_frames == 20


def test_several_extractors_in_one_run(folder, tmp_path, capsys):
    out = tmp_path / "out"
    result = run_main(capsys, "--extractor", "flow", "--extractor", "mediapipe_pose", str(folder / "good.mp4"),
                     "--out", str(out), "--threads", "1", "--quiet")
    assert result.returncode == 0, result.stderr
    assert "flow: 1 extracted, 0 already done, 0 failed" in result.stdout
    assert "mediapipe_pose: 1 extracted, 0 already done, 0 failed" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == ["good.flow.npz", "good.mediapipe_pose.npz"]
    again = run_main(capsys, "--extractor", "mediapipe_pose", "--extractor", "flow", str(folder / "good.mp4"),
                    "--out", str(out), "--quiet")
    assert "flow: 0 extracted, 1 already done" in again.stdout
    assert "mediapipe_pose: 0 extracted, 1 already done" in again.stdout


def test_same_named_clips_in_different_folders_are_refused(tmp_path, capsys):
    for folder, start in (("a", 8), ("b", 60)):
        (tmp_path / folder).mkdir()
        write_video(tmp_path / folder / "clip.mp4", [square_frame(start + k) for k in range(10)], np.arange(10) / 10)
    out = tmp_path / "out"
    both = run_main(capsys, "--extractor", "flow", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(out),
                    "--quiet")
    assert both.returncode == 2
    assert "same name" in both.stderr
    assert str(tmp_path / "a" / "clip.mp4") in both.stderr and str(tmp_path / "b" / "clip.mp4") in both.stderr
    assert not out.exists()
    # one after the other into the same folder: the second is refused, the first one's features stay
    assert run_main(capsys, "--extractor", "flow", str(tmp_path / "a"), "--out", str(out), "--quiet").returncode == 0
    first = load_features(out / "clip.flow.npz").features
    second = run_main(capsys, "--extractor", "flow", str(tmp_path / "b"), "--out", str(out), "--quiet")
    assert second.returncode == 1 and "0 extracted, 0 already done, 1 failed" in second.stdout
    assert f"holds the features of {(tmp_path / 'a' / 'clip.mp4').resolve()}" in second.stdout
    assert np.array_equal(load_features(out / "clip.flow.npz").features, first)


def test_replaced_video_is_extracted_again(tmp_path, capsys):
    video = write_video(tmp_path / "clip.mp4", [square_frame(8) for _ in range(10)], np.arange(10) / 10)
    out = tmp_path / "out"
    assert run_main(capsys, "--extractor", "flow", str(video), "--out", str(out), "--quiet").returncode == 0
    still = load_features(out / "clip.flow.npz").features
    assert np.abs(still[:, 0]).max() < 1e-3
    write_video(video, [square_frame(8 + 6 * k) for k in range(10)], np.arange(10) / 10)  # same path, moving
    again = run_main(capsys, "--extractor", "flow", str(video), "--out", str(out), "--quiet")
    assert again.returncode == 0 and "1 extracted, 0 already done" in again.stdout
    assert load_features(out / "clip.flow.npz").features[:-1, 0].min() > 0.01


def test_pretrained_extractor_needs_checkpoint(folder, tmp_path):
    result = run_cli("--extractor", "raft", str(folder / "good.mp4"), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "--checkpoint" in result.stderr and "--random-weights" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_raft_random_weights_cli(folder, tmp_path):
    result = run_cli("--extractor", "raft", "--random-weights", str(folder / "good.mp4"), "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert load_features(tmp_path / "good.raft.npz").features.shape == (10, 256)


def test_checkpoint_flags_by_extractor():
    assert checkpoints_by_name(["sync.pt"], ["flow", "synchformer"]) == {"synchformer": "sync.pt"}
    assert checkpoints_by_name(["marlin=m.pt", "raft=Raft_Small_Weights.C_T_V2"], ["marlin", "raft"]) == {
        "marlin": "m.pt", "raft": "Raft_Small_Weights.C_T_V2"}
    with pytest.raises(ValueError, match="say which extractor"):
        checkpoints_by_name(["m.pt"], ["marlin", "raft"])
    with pytest.raises(ValueError, match="raft is not run here; the pretrained extractors run are marlin"):
        checkpoints_by_name(["raft=r.pt"], ["marlin"])
    with pytest.raises(ValueError, match="no extractor run here takes one"):
        checkpoints_by_name(["x.pt"], ["flow"])


def test_truncated_video_is_refused_unless_allowed(truncated_real_clip, tmp_path, capsys, caplog):
    # Before: the 4.2 s that are there were extracted silently, as if the clip were whole (exit 0).
    folder = tmp_path / "videos"
    folder.mkdir()
    write_video(folder / "good.mp4", [square_frame(8 + 2 * k) for k in range(20)], np.arange(20) / 10)
    cut = folder / truncated_real_clip.name
    cut.write_bytes(truncated_real_clip.read_bytes())
    out = tmp_path / "out"
    refused = run_main(capsys, "--extractor", "flow", str(folder), "--out", str(out), "--quiet")
    assert refused.returncode == 1 and "1 extracted, 0 already done, 1 failed" in refused.stdout
    line = refused.stdout.split("Failed clips (1):\n")[1].strip()
    assert line.startswith(f"TruncatedMediaError: {cut}: truncated video: its frames cover 4.")
    assert "header declares 10.00 s" in line and "--allow-truncated" in line
    assert sorted(p.name for p in out.iterdir()) == ["good.flow.npz"]

    allowed = run_main(capsys, "--extractor", "flow", str(folder), "--out", str(out), "--quiet", "--allow-truncated")
    assert allowed.returncode == 0 and "1 extracted, 1 already done, 0 failed" in allowed.stdout
    assert f"{cut}: truncated video" in caplog.text and "(--allow-truncated)" in caplog.text
    features = load_features(out / "monkey_cut.flow.npz")
    assert 4. <= features.start + features.duration < 4.5  # what is there, not the 10 s the header declares


@pytest.mark.parametrize("problem", ["missing file", "missing folder", "out is a file", "out inside a file",
                                     "missing checkpoint"])
def test_wrong_paths_are_one_usage_error_line(folder, tmp_path, capsys, problem):
    # Before: a missing input was a failed clip (exit 1); an --out that is a file failed every clip.
    taken = tmp_path / "taken.txt"
    taken.write_text("not a folder")
    good, out = folder / "good.mp4", tmp_path / "out"
    args, named = {"missing file": ([good, tmp_path / "no.mp4", "--out", out], tmp_path / "no.mp4"),
                   "missing folder": ([good, tmp_path / "none", "--out", out], tmp_path / "none"),
                   "out is a file": ([good, "--out", taken], taken),
                   "out inside a file": ([good, "--out", taken / "sub"], taken),
                   "missing checkpoint": ([good, "--out", out, "--extractor", "marlin", "--checkpoint",
                                           tmp_path / "marlin.pt"], tmp_path / "marlin.pt")}[problem]
    result = run_main(capsys, "--extractor", "flow", *map(str, args))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(named) in lines[0], lines
    assert not out.exists() and taken.read_text() == "not a folder"
