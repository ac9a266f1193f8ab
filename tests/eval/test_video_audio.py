import importlib.util

import pytest
import torch

from audiocraft_expotion.eval.availability import MetricUnavailable
from audiocraft_expotion.eval.languagebind_adapter import LanguageBindAdapter, video_pixels
from audiocraft_expotion.eval.video_audio import VideoAudioModel, load_video_audio_model, video_audio_similarity
from audiocraft_expotion.media.video import read_video

FAKE_MODEL = '''
import torch

class MeanColour:
    """Video: mean RGB; audio: [rms, peak, mean] -- enough to test the plumbing."""
    def embed_video(self, frames, fps):
        return frames.float().mean(dim=(0, 1, 2))

    def embed_audio(self, wav, sample_rate):
        return torch.stack([wav.pow(2).mean().sqrt(), wav.abs().max(), wav.mean()])

def make(device="cpu"):
    return MeanColour()

def not_a_model(device="cpu"):
    return object()
'''


@pytest.fixture
def fake_module(tmp_path, monkeypatch):
    (tmp_path / "fake_video_audio.py").write_text(FAKE_MODEL)
    monkeypatch.syspath_prepend(str(tmp_path))
    return "fake_video_audio"


def test_plugged_model_and_cosine(fake_module):
    model = load_video_audio_model(f"{fake_module}:make")
    assert isinstance(model, VideoAudioModel)
    frames = torch.zeros(4, 8, 8, 3, dtype=torch.uint8)
    frames[..., 0] = 200
    wav = torch.full((100,), 0.5)
    expected = torch.nn.functional.cosine_similarity(torch.tensor([200.0, 0, 0]), torch.tensor([0.5, 0.5, 0.5]), dim=0)
    assert video_audio_similarity(model, frames, 25.0, wav, 16000) == pytest.approx(float(expected))


def test_bad_specs_are_unavailable(fake_module):
    with pytest.raises(MetricUnavailable, match="lacks embed_video"):
        load_video_audio_model(f"{fake_module}:not_a_model")
    with pytest.raises(MetricUnavailable, match="cannot import"):
        load_video_audio_model("no_such_module_xyz:make")
    with pytest.raises(MetricUnavailable, match="neither"):
        load_video_audio_model("something")


@pytest.mark.skipif(importlib.util.find_spec("languagebind") is not None, reason="languagebind is installed")
def test_languagebind_without_package_is_unavailable():
    with pytest.raises(MetricUnavailable, match="'languagebind' package is not installed"):
        LanguageBindAdapter.load()


def test_languagebind_video_preprocessing():
    frames = torch.randint(0, 256, (30, 120, 160, 3), dtype=torch.uint8)
    pixels = video_pixels(frames)
    assert pixels.shape == (1, 3, 8, 224, 224)
    white = video_pixels(torch.full((10, 240, 320, 3), 255, dtype=torch.uint8))
    assert torch.allclose(white[0, 0], torch.full((8, 224, 224), (1 - 0.48145466) / 0.26862954), atol=1e-4)


def test_load_real_video(real_videos):
    frames = torch.from_numpy(read_video(real_videos["owl_clip3.mp4"], fps=2).sample(2))
    assert frames.dtype == torch.uint8 and frames.ndim == 4 and frames.shape[-1] == 3
    assert frames.shape[0] / 2 == pytest.approx(10.0, abs=1.0)
