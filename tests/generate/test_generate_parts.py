"""Feature cache reuse, feature energy and upload names, without generating music."""
import json

import numpy as np

from audiocraft_expotion.data.feature_io import load_features, save_features
from audiocraft_expotion.generate.app import safe_name
from audiocraft_expotion.generate.plot import feature_energy
from audiocraft_expotion.generate.visual_features import build_extractors, cache_path, visual_features


def test_cache_is_reused_only_for_the_same_video_and_settings(short_clip, tmp_path):
    extractors = build_extractors({"motion": "flow"})
    path = cache_path(tmp_path, short_clip, extractors["motion"])
    extracted = visual_features(short_clip, extractors, tmp_path, progress=False)["motion"]
    assert path.is_file()
    stored = load_features(path)
    stored.features = stored.features + 1.  # marks the file: a reuse returns these values
    save_features(path, stored)
    np.testing.assert_array_equal(visual_features(short_clip, extractors, tmp_path, progress=False)["motion"].features,
                                  extracted.features + 1.)
    stored.meta = {**stored.meta, "settings": json.loads(json.dumps({**stored.meta["settings"], "grid": 2}))}
    save_features(path, stored)
    np.testing.assert_array_equal(visual_features(short_clip, extractors, tmp_path, progress=False)["motion"].features,
                                  extracted.features)


def test_feature_energy_is_distance_from_the_average_frame():
    features = np.zeros((5, 3), dtype=np.float32)
    features[2] = [4., -4., 4.]
    energy = feature_energy(features)
    assert energy.shape == (5,)
    assert energy.argmax() == 2 and np.allclose(np.delete(energy, 2), energy[0])
    assert np.allclose(feature_energy(np.ones((4, 2))), 0.)


def test_safe_name_keeps_uploads_inside_their_folder():
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("my clip (1).mp4") == "my_clip__1_.mp4"
    assert safe_name("") == "upload.mp4" and safe_name("..") == "upload.mp4"
