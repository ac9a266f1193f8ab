import pytest
import torch

from audiocraft_expotion.eval.availability import MetricUnavailable
from audiocraft_expotion.eval.vggish import EMBEDDING_DIM, VGGish, load_vggish
from audiocraft_expotion.eval.vggish_input import (HOP_SAMPLES, NUM_BANDS, SAMPLE_RATE, hertz_to_mel, log_mel,
                                                   mel_matrix, waveform_to_examples)

TORCHVGGISH_KEYS = {f"features.{i}.{p}" for i in (0, 3, 6, 8, 11, 13) for p in ("weight", "bias")} | \
    {f"embeddings.{i}.{p}" for i in (0, 2, 4) for p in ("weight", "bias")}


def test_mel_matrix_follows_the_recipe():
    weights = mel_matrix()
    assert weights.shape == (257, NUM_BANDS)
    assert torch.all(weights[0] == 0)  # DC bin zeroed
    assert weights.max() <= 1.0 and weights.min() >= 0.0
    freqs = torch.linspace(0, SAMPLE_RATE / 2, 257)
    active = freqs[weights.sum(1) > 0]
    assert active.min() > 125.0 and active.max() < 7500.0
    assert hertz_to_mel(torch.tensor(700.0)).item() == pytest.approx(1127.0 * torch.log(torch.tensor(2.0)).item())


def test_examples_shape_and_framing():
    wav = torch.randn(SAMPLE_RATE * 3 + 1234)
    mel = log_mel(wav)
    assert mel.shape == (1 + (wav.shape[0] - 400) // HOP_SAMPLES, NUM_BANDS)
    assert waveform_to_examples(wav, SAMPLE_RATE).shape == (3, 1, 96, 64)
    assert waveform_to_examples(torch.randn(32000 * 2), 32000).shape == (2, 1, 96, 64)  # resampled to 16 kHz
    assert waveform_to_examples(torch.randn(8000), SAMPLE_RATE).shape[0] == 0


def test_sine_peaks_in_its_mel_band():
    t = torch.arange(SAMPLE_RATE) / SAMPLE_RATE
    mel = log_mel(torch.sin(2 * torch.pi * 1000 * t))
    band = int(mel.mean(0).argmax())
    assert mel_matrix()[int(1000 / (SAMPLE_RATE / 2) * 256), band] > 0.5


def test_network_shapes_determinism_and_torchvggish_keys():
    torch.manual_seed(0)
    model = VGGish().eval()
    assert set(model.state_dict()) == TORCHVGGISH_KEYS
    wav = torch.randn(SAMPLE_RATE * 2)
    emb = model.embed(wav, SAMPLE_RATE)
    assert emb.shape == (2, EMBEDDING_DIM)
    assert (emb < 0).any()  # pre-ReLU embedding, as FAD uses
    assert torch.equal(emb, model.embed(wav, SAMPLE_RATE))


def test_load_from_path_and_unavailable_reasons(tmp_path):
    torch.manual_seed(0)
    model = VGGish()
    path = tmp_path / "vggish.pth"
    torch.save(model.state_dict(), path)
    loaded = load_vggish(path)
    wav = torch.randn(SAMPLE_RATE)
    assert torch.equal(loaded.embed(wav, SAMPLE_RATE), model.eval().embed(wav, SAMPLE_RATE))
    with pytest.raises(MetricUnavailable, match="no VGGish weights"):
        load_vggish(None)
    with pytest.raises(MetricUnavailable, match="not found"):
        load_vggish(tmp_path / "missing.pth")
    torch.save({"other": torch.zeros(1)}, tmp_path / "bad.pth")
    with pytest.raises(MetricUnavailable, match="bad.pth"):
        load_vggish(tmp_path / "bad.pth")
