import json
import re

import pytest

from audiocraft_expotion.data.clip_info import (ClipInfo, ClipInfoError, clip_info_path, feature_path,
                                                load_clip_info, relative_to_info, save_clip_info)


def test_round_trip_and_feature_paths(tmp_path):
    info_path = clip_info_path(tmp_path / "clips" / "owl.wav")
    assert info_path == tmp_path / "clips" / "owl.json"
    features = tmp_path / "features" / "owl.marlin.npz"
    clip = ClipInfo("owl", {"marlin": relative_to_info(info_path, features), "raft": "/abs/owl.raft.npz"}, "jazz")
    save_clip_info(info_path, clip)
    loaded = load_clip_info(info_path)
    assert loaded == clip
    assert loaded.features["marlin"] == "../features/owl.marlin.npz"
    assert feature_path(info_path, loaded, "marlin") == features
    assert str(feature_path(info_path, loaded, "raft")) == "/abs/owl.raft.npz"
    assert (loaded.prompt("generated"), loaded.prompt("generic")) == ("jazz", "music with catchy melody")
    with pytest.raises(ClipInfoError, match=re.escape(f"{info_path}: no 'synchformer' features listed")):
        feature_path(info_path, loaded, "synchformer")


def test_extra_keys_are_ignored_and_errors_name_the_file(tmp_path):
    path = tmp_path / "owl.json"
    path.write_text(json.dumps({"name": "owl", "genre": "jazz", "features": {}}))
    assert load_clip_info(path).name == "owl"
    path.write_text("{not json")
    with pytest.raises(ClipInfoError, match=re.escape(f"{path}: invalid clip metadata")):
        load_clip_info(path)
    path.write_text(json.dumps({"features": {}}))  # no name
    with pytest.raises(ClipInfoError, match=re.escape(f"{path}: invalid clip metadata")):
        load_clip_info(path)
    with pytest.raises(ClipInfoError, match="does not exist"):
        load_clip_info(tmp_path / "missing.json")
