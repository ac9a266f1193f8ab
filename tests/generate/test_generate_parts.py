"""Feature cache reuse and feature energy, without generating music."""
import json

import numpy as np

from audiocraft_expotion.data.feature_io import load_features, save_features
from audiocraft_expotion.data.feature_energy import feature_energy
from audiocraft_expotion.features.cache import feature_path
from audiocraft_expotion.features.extractor_choice import build_extractors
from audiocraft_expotion.features.video_features import video_features


def test_cache_is_reused_only_for_the_same_video_and_settings(short_clip, tmp_path):
    extractors = build_extractors({"motion": "flow"})
    path = feature_path(tmp_path, short_clip, extractors["motion"])
    extracted = video_features(short_clip, extractors, tmp_path, progress=False)["motion"]
    assert path.is_file()
    stored = load_features(path)
    stored.features = stored.features + 1.  # marks the file: a reuse returns these values
    save_features(path, stored)
    np.testing.assert_array_equal(video_features(short_clip, extractors, tmp_path, progress=False)["motion"].features,
                                  extracted.features + 1.)
    stored.meta = {**stored.meta, "settings": json.loads(json.dumps({**stored.meta["settings"], "grid": 2}))}
    save_features(path, stored)
    np.testing.assert_array_equal(video_features(short_clip, extractors, tmp_path, progress=False)["motion"].features,
                                  extracted.features)


def test_feature_energy_is_distance_from_the_average_frame():
    features = np.zeros((5, 3), dtype=np.float32)
    features[2] = [4., -4., 4.]
    energy = feature_energy(features)
    assert energy.shape == (5,)
    assert energy.argmax() == 2 and np.allclose(np.delete(energy, 2), energy[0])
    assert np.allclose(feature_energy(np.ones((4, 2))), 0.)


def test_music_progress_total_is_the_number_of_steps_run(tiny_generator):
    model = tiny_generator.model
    reports = []
    model.set_generation_params(duration=12.0)  # two windows of the 10 s tiny model
    assert len(model.window_frames(12.0)) == 2
    model.set_custom_progress_callback(lambda generated, total: reports.append((generated, total)))
    try:
        model.generate_with_video(["a"], motion=[(np.zeros((120, 21), np.float32), 10.)],
                                  face=[(np.zeros((120, 317), np.float32), 10.)])
    finally:
        model.set_custom_progress_callback(None)
    totals = {total for _, total in reports}
    assert len(totals) == 1 and [g for g, _ in reports] == list(range(1, len(reports) + 1))
    assert reports[-1][0] == totals.pop() == len(reports)


def test_random_weight_extractors_are_announced_in_the_run_and_the_plot_title():
    from audiocraft_expotion.generate import ExpotionGenerator
    from audiocraft_expotion.features.extractor_choice import choose_extractors
    extractors, random = choose_extractors({}, ["motion"], {"motion": "raft"}, random_weights=True)
    assert random == ["raft"]
    generator = ExpotionGenerator("tiny", extractors, random_extractors=random)
    assert "raft feature extractor(s) run with RANDOM weights" in generator.notice
    title = generator.plot_title("clip.mp4", "calm piano", 3)
    assert title.startswith('clip.mp4: "calm piano" (seed 3)')
    assert "[UNTRAINED MODEL]" in title and "[RANDOM-WEIGHT RAFT]" in title


def test_a_clip_without_any_face_says_so(short_clip, caplog):
    features = video_features(short_clip, build_extractors({"face": "mediapipe_face"}), None, progress=False)
    assert f"{short_clip}: no face in any frame; using zeros." in caplog.text
    assert "interpolated" not in caplog.text
    assert not features["face"].features.any()


def test_native_log_noise_is_dropped_and_everything_else_kept(capfd):
    import os
    from audiocraft_expotion.features.native_logs import quiet_native_logs
    noise = ("INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n"
             "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
             "W0000 00:00:1796054633.584643   21356 inference_feedback_manager.cc:114] Feedback manager requires "
             "a model with a single signature inference.\n")
    with quiet_native_logs():
        os.write(2, (noise + "a real problem\n").encode())
    assert capfd.readouterr().err == "a real problem\n"
