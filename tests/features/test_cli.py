"""The extraction command line, run as a subprocess on a folder with good and bad videos."""
import json
import os
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from audiocraft_expotion.data.feature_io import load_features

from .synthetic import square_frame, write_sine, write_video

REPO = Path(__file__).resolve().parents[2]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "audiocraft_expotion.features", "extract", *args],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=600)


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
    assert f"{folder / 'empty.mp4'}: video file is empty" in summary
    assert f"{folder / 'sub' / 'corrupt.mov'}: cannot open" in summary
    assert f"{folder / 'sub' / 'sound.mp4'}: no video stream" in summary
    features = load_features(out / "good.flow.npz")
    record = json.loads((out / "good.flow.json").read_text())
    assert features.features.shape == (20, 21) and features.fps == 10 and features.start == 0
    assert record["extractor"] == "flow" and record["version"] == "1" and record["frames"] == 20
    assert record["fps"] == 10 and record["duration"] == pytest.approx(2.) and record["start"] == 0
    assert (out / "good.flow.png").stat().st_size > 1000
    assert sorted(p.name for p in out.iterdir()) == ["good.flow.json", "good.flow.npz", "good.flow.png"]

    second = run_cli("--extractor", "flow", str(folder), "--out", str(out))
    assert second.returncode == 1 and "0 extracted, 1 already done, 3 failed" in second.stdout
    (out / "good.flow.npz").write_bytes(b"truncated")  # invalid output is redone
    third = run_cli("--extractor", "flow", str(folder / "good.mp4"), "--out", str(out), "--quiet")
    assert third.returncode == 0 and "1 extracted, 0 already done, 0 failed" in third.stdout
    assert load_features(out / "good.flow.npz").num_frames == 20


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
