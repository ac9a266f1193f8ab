import pytest
import torch

from audiocraft_expotion.eval.availability import MetricUnavailable
from audiocraft_expotion.eval.cnn14 import NUM_CLASSES, SAMPLE_RATE, Cnn14, load_cnn14


@pytest.fixture(scope="module")
def cnn14() -> Cnn14:
    torch.manual_seed(0)
    return Cnn14().eval()


def test_logits_and_label_distribution(cnn14):
    wav = torch.randn(2, SAMPLE_RATE)
    with torch.no_grad():
        assert cnn14(wav).shape == (2, NUM_CLASSES)
    probs = cnn14.label_distribution(wav[0], SAMPLE_RATE)
    assert probs.shape == (NUM_CLASSES,)
    assert probs.sum().item() == pytest.approx(1.0, abs=1e-5)
    assert torch.equal(probs, cnn14.label_distribution(wav[0], SAMPLE_RATE))
    assert cnn14.label_distribution(torch.randn(16000), 16000).shape == (NUM_CLASSES,)  # resampled


def test_log_mel_frontend_shape(cnn14):
    mel = cnn14.log_mel(torch.randn(1, SAMPLE_RATE))
    assert mel.shape == (1, 1, SAMPLE_RATE // 320 + 1, 64)


def test_loads_panns_checkpoint_layout(cnn14, tmp_path):
    state = dict(cnn14.state_dict())
    state["spectrogram_extractor.stft.conv_real.weight"] = torch.zeros(513, 1, 1024)  # PANNs frontend buffers
    state["logmel_extractor.melW"] = torch.zeros(513, 64)
    torch.save({"model": state}, tmp_path / "Cnn14.pth")
    loaded = load_cnn14(tmp_path / "Cnn14.pth")
    wav = torch.randn(SAMPLE_RATE)
    assert torch.allclose(loaded.label_distribution(wav, SAMPLE_RATE), cnn14.label_distribution(wav, SAMPLE_RATE))
    with pytest.raises(MetricUnavailable, match="no audio-tagger weights"):
        load_cnn14(None)
