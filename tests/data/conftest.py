"""Fixtures of the data tests: audiocraft's environment config, a synthetic and a time-encoding dataset."""
import json
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile
from audiocraft.environment import AudioCraftEnvironment

from audiocraft_expotion.data.build_manifest import build_manifest
from audiocraft_expotion.data.feature_io import FeatureFile, save_features
from audiocraft_expotion.data.synthetic import SyntheticConfig, build_synthetic_dataset

SAMPLE_RATE = 32000
# Time-encoding clips: (audio seconds, face fps, face start, motion fps, motion start).
TIMED_CLIPS = [(6.0, 5.0, 0.0, 7.5, 0.2), (5.0, 5.0, 0.1, 12.0, 0.0), (7.0, 4.0, 0.0, 7.5, 0.0)]


@pytest.fixture(scope="session")
def teams_config(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("audiocraft") / "default.yaml"
    path.write_text("default:\n  dora_dir: /tmp/audiocraft_dora\n  partitions: {global: debug, team: debug}\n"
                    "  reference_dir: /tmp\n")
    return path


@pytest.fixture(autouse=True)
def audiocraft_environment(teams_config, monkeypatch):
    """audiocraft's InfoAudioDataset reads a teams config that the pip package lacks: provide a minimal
    one (unless AUDIOCRAFT_CONFIG is set), for the data tests only."""
    if "AUDIOCRAFT_CONFIG" not in os.environ:
        monkeypatch.setenv("AUDIOCRAFT_CONFIG", str(teams_config))
    AudioCraftEnvironment.reset()
    yield
    AudioCraftEnvironment.reset()


@pytest.fixture(scope="session")
def synthetic_config() -> SyntheticConfig:
    return SyntheticConfig(num_clips=6, duration=3.0, motion_dim=32)


@pytest.fixture(scope="session")
def synthetic_root(tmp_path_factory, synthetic_config) -> Path:
    """A small synthetic dataset (wav clips); its manifest is under ``<root>/egs``."""
    root = tmp_path_factory.mktemp("synthetic")
    build_synthetic_dataset(root, synthetic_config)
    return root


def timestamp_features(num_frames: int, fps: float, start: float, clip_id: int) -> np.ndarray:
    """``[num_frames, 2]`` features: column 0 is the time of the frame, column 1 the clip id."""
    times = start + np.arange(num_frames) / fps
    return np.stack([times, np.full(num_frames, clip_id)], axis=1).astype(np.float32)


def write_timed_clips(root: Path) -> Path:
    """Clips whose audio is the ramp ``t / 100`` and whose features are their own timestamps."""
    captions = []
    for clip_id, (duration, face_fps, face_start, motion_fps, motion_start) in enumerate(TIMED_CLIPS):
        name = f"clip{clip_id}"
        ramp = (np.arange(int(duration * SAMPLE_RATE)) / SAMPLE_RATE / 100).astype(np.float32)
        soundfile.write(root / "raw" / f"{name}.wav", ramp, SAMPLE_RATE, subtype="FLOAT")
        for extractor, fps, start in (("face", face_fps, face_start), ("motion", motion_fps, motion_start)):
            frames = int(np.ceil((duration - start) * fps))
            save_features(root / "features" / f"{name}.{extractor}.npz",
                          FeatureFile(timestamp_features(frames, fps, start, clip_id), fps, start))
        captions.append({"clip": name, "description": f"caption of {name}"})
    (root / "captions.jsonl").write_text("".join(json.dumps(c) + "\n" for c in captions))
    return root / "captions.jsonl"


@pytest.fixture(scope="session")
def timed_egs(tmp_path_factory) -> Path:
    """Manifest (all clips in ``train``) of the time-encoding clips; extractors are named face / motion."""
    root = tmp_path_factory.mktemp("timed")
    (root / "raw").mkdir()
    captions = write_timed_clips(root)
    build_manifest(root / "raw", root / "features", root / "egs", captions, face_extractor="face",
                   motion_extractor="motion", splits="train=1")
    return root / "egs"
