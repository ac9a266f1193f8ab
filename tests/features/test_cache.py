"""The one cache rule (features.cache) as the generate pipeline uses it: same-named videos, replaced
videos, changed weights and half-written files."""
import numpy as np
import pytest
import torch

from audiocraft_expotion.data.feature_io import load_features
from audiocraft_expotion.features import build_extractor, cache
from audiocraft_expotion.features.motionformer import MotionFormerConfig
from audiocraft_expotion.features.video_features import video_features

from .synthetic import square_frame, write_video


def clip(path, start: int, step: int = 0):
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_video(path, [square_frame(start + step * k) for k in range(10)], np.arange(10) / 10)


def test_generate_cache_refuses_a_same_named_video_from_another_folder(tmp_path):
    first, second = clip(tmp_path / "a" / "clip.mp4", 8), clip(tmp_path / "b" / "clip.mp4", 60, 6)
    extractors = {"motion": build_extractor("flow")}
    stored = video_features(first, extractors, tmp_path / "cache", progress=False)["motion"]
    with pytest.raises(cache.FeatureCollision, match=f"holds the features of {first.resolve()}.*{second.resolve()}"):
        video_features(second, extractors, tmp_path / "cache", progress=False)
    assert np.array_equal(load_features(cache.feature_path(tmp_path / "cache", first, extractors["motion"])).features,
                          stored.features)
    # a copy of the first video under another folder is the same content: reused
    copy = tmp_path / "c" / "clip.mp4"
    copy.parent.mkdir()
    copy.write_bytes(first.read_bytes())
    assert cache.lookup(tmp_path / "cache", cache.VideoIdentity.of(copy), extractors["motion"]) is not None


def test_generate_cache_extracts_a_replaced_video_again(tmp_path):
    video = clip(tmp_path / "clip.mp4", 8)
    extractors = {"motion": build_extractor("flow")}
    still = video_features(video, extractors, tmp_path / "cache", progress=False)["motion"].features
    assert np.abs(still[:, 0]).max() < 1e-3
    clip(video, 8, 6)  # replaced at the same path by a moving square
    moving = video_features(video, extractors, tmp_path / "cache", progress=False)["motion"].features
    assert moving[:-1, 0].min() > 0.01
    stored = load_features(cache.feature_path(tmp_path / "cache", video, extractors["motion"]))
    assert np.array_equal(stored.features, moving)
    assert stored.meta["source"]["sha256"] == cache.VideoIdentity.of(video).sha256


def test_half_written_feature_file_is_never_reused(tmp_path):
    video = clip(tmp_path / "clip.mp4", 8, 4)
    extractors = {"motion": build_extractor("flow")}
    features = video_features(video, extractors, tmp_path, progress=False)["motion"].features
    path = cache.feature_path(tmp_path, video, extractors["motion"])
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # killed mid-write (non-atomic writer)
    assert cache.lookup(tmp_path, cache.VideoIdentity.of(video), extractors["motion"]) is None
    assert np.array_equal(video_features(video, extractors, tmp_path, progress=False)["motion"].features, features)
    assert load_features(path).num_frames == len(features)


def test_other_weights_are_not_reused(tmp_path):
    video = clip(tmp_path / "clip.mp4", 8, 4)
    small = MotionFormerConfig(dim=16, depth=1, num_heads=2)
    random = build_extractor("synchformer", random_weights=True, config=small)
    identity = cache.VideoIdentity.of(video)
    features = video_features(video, {"motion": random}, tmp_path, progress=False)["motion"]
    assert cache.lookup(tmp_path, identity, random) is not None
    trained = {k: v + 1 for k, v in random.encoder.state_dict().items()}
    torch.save({"model": {f"vfeat_extractor.{k}": v for k, v in trained.items()}}, tmp_path / "sync.pt")
    loaded = build_extractor("synchformer", checkpoint=tmp_path / "sync.pt", config=small)
    assert loaded.settings() == random.settings() and loaded.weights_checksum != random.weights_checksum
    assert cache.lookup(tmp_path, identity, loaded) is None
    assert load_features(cache.feature_path(tmp_path, video, random)).meta["weights_sha256"] == random.weights_checksum
    exact = build_extractor("synchformer", random_weights=True, config=small, timing="exact")
    assert cache.lookup(tmp_path, identity, exact) is None
    assert features.meta["settings"]["timing"] == "paper"
