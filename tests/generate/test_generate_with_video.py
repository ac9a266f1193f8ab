"""Raw video in the Python API: ``generate_with_video(descriptions, videos=[...])`` extracts the features itself,
through the same function (``features.video_features``) as the CLI pipeline."""
import av
import numpy as np
import pytest
import torch

from audiocraft_expotion.features import video_features as one_video
from audiocraft_expotion.features.video_features import as_video, video_features


def generate(model, seed: int = 1, **inputs) -> torch.Tensor:
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return model.generate_with_video(["calm piano"] * len(next(iter(inputs.values()))), **inputs)


def decoded_frames(path) -> tuple:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = np.stack([f.to_ndarray(format="rgb24") for f in container.decode(stream)])
        return frames, float(stream.average_rate)


def test_videos_give_the_same_music_as_their_precomputed_features(tiny_generator, short_clip):
    model = tiny_generator.model
    model.set_generation_params(duration=2.0)
    features = video_features(short_clip, tiny_generator.extractors)
    from_features = generate(model, face=[features["face"]], motion=[features["motion"]])
    from_path = generate(model, videos=[short_clip])
    from_frames = generate(model, videos=[decoded_frames(short_clip)])
    assert from_path.shape == (1, 1, round(2.0 * model.sample_rate))
    torch.testing.assert_close(from_path, from_features, rtol=0, atol=0)
    torch.testing.assert_close(from_frames, from_features, rtol=0, atol=0)


def test_videos_are_checked(tiny_generator, short_clip, tmp_path):
    model = tiny_generator.model
    model.set_generation_params(duration=1.0)
    with pytest.raises(ValueError, match="either videos or face / motion"):
        model.generate_with_video(["a"], videos=[short_clip], motion=[(torch.zeros(5, 21), 10.)])
    with pytest.raises(ValueError, match=str(tmp_path / "missing.mp4")):
        model.generate_with_video(["a"], videos=[tmp_path / "missing.mp4"])
    with pytest.raises(ValueError, match=r"uint8 frames \[N>0, H, W, 3\]"):
        model.generate_with_video(["a"], videos=[(np.zeros((4, 8, 8), np.uint8), 10.)])
    with pytest.raises(ValueError, match="2 '.*' feature sequences for 1 descriptions"):
        model.generate_with_video(["a"], videos=[short_clip, short_clip])


def test_cli_pipeline_and_python_api_extract_through_one_function(tiny_generator, short_clip, tmp_path, monkeypatch):
    """generate/visual_features.py (CLI) and generate/video_input.py (videos=) each had their own
    decode-then-extract loop; both now decode in features.video_features (spied on here)."""
    decoded = []

    def spy(video, extractors):
        decoded.append((str(video), sorted(e.name for e in extractors)))
        return as_video(video, extractors)
    monkeypatch.setattr(one_video, "as_video", spy)
    model = tiny_generator.model
    model.set_generation_params(duration=1.0)
    model.generate_with_video(["a"], videos=[short_clip])
    tiny_generator(short_clip, "a", tmp_path / "out.mp4", cache=tmp_path / "cache", progress=False)
    assert decoded == [(str(short_clip), ["flow", "mediapipe_face"])] * 2


def test_a_cache_needs_a_video_file(tiny_generator, short_clip, tmp_path):
    with pytest.raises(ValueError, match="needs a video file"):
        video_features(decoded_frames(short_clip), tiny_generator.extractors, cache=tmp_path)
