import numpy as np
import pytest
from audiocraft.data.audio_dataset import load_audio_meta

from audiocraft_expotion.data.clip_info import clip_info_path, load_clip_info
from audiocraft_expotion.data.feature_io import load_features
from audiocraft_expotion.data.synthetic import click_track, main

SAMPLE_RATE = 32000


class RampEnergy:
    """Motion energy rising linearly from 0 to 1 over ``duration`` seconds."""

    def __init__(self, duration: float):
        self.duration = duration

    def __call__(self, t: np.ndarray) -> np.ndarray:
        return np.clip(t / self.duration, 0, 1)


def click_times(wav: np.ndarray, threshold: float = 0.75) -> np.ndarray:
    """Times (s) where the 1 ms envelope of ``wav`` rises above ``threshold`` (click onsets)."""
    envelope = np.abs(wav[:len(wav) // 32 * 32]).reshape(-1, 32).max(axis=1)
    above = envelope > threshold
    return np.nonzero(above[1:] & ~above[:-1])[0] / 1000


def test_click_tempo_follows_the_motion():
    duration = 8.0
    wav = click_track(RampEnergy(duration), duration, SAMPLE_RATE, pitch=220.0)
    clicks = click_times(wav)
    intervals, times = np.diff(clicks), clicks[1:]
    bpm = 60 / intervals
    expected = 70 + 100 * RampEnergy(duration)(times)
    np.testing.assert_allclose(bpm, expected, rtol=0.08)
    assert bpm[-1] > 1.8 * bpm[0]  # tempo more than doubles as the motion rises


def test_cli_writes_video_clips_and_manifest(tmp_path, capsys):
    args = [str(tmp_path), "--num-clips", "4", "--duration", "1.5", "--video", "--face-dim", "8",
            "--motion-dim", "3", "--motion-fps", "10"]
    assert main(args) == 0
    assert sorted(p.name for p in (tmp_path / "raw").iterdir()) == [f"clip{i:03d}.mp4" for i in range(4)]
    printed = capsys.readouterr().out
    names = []
    for split in ("train", "valid", "evaluate", "generate"):
        assert f"{split}: 1 clips" in printed
        for meta in load_audio_meta(tmp_path / "egs" / split / "data.jsonl"):
            assert meta.sample_rate == SAMPLE_RATE and meta.duration == pytest.approx(1.5, abs=0.05)
            names.append(load_clip_info(clip_info_path(meta.path)).name)
    assert sorted(names) == [f"clip{i:03d}" for i in range(4)]
    motion = load_features(tmp_path / "features" / "clip000.synchformer.npz")
    assert (motion.dim, motion.fps, motion.num_frames) == (3, 10.0, 15)
    assert ((motion.features[:, 0] >= 0) & (motion.features[:, 0] <= 1)).all()  # channel 0: motion energy
    assert load_features(tmp_path / "features" / "clip000.marlin.npz").dim == 8
