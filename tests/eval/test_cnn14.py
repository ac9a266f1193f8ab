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


def test_log_mel_frontend_and_block_shapes(cnn14):
    mel = cnn14.log_mel(torch.randn(1, SAMPLE_RATE))
    assert mel.shape == (1, 1, SAMPLE_RATE // 320 + 1, 64)  # 101 frames
    shapes = []
    for i in range(1, 7):
        getattr(cnn14, f"conv_block{i}").register_forward_hook(lambda m, a, out: shapes.append(tuple(out.shape[2:])))
    with torch.no_grad():
        cnn14(torch.randn(1, SAMPLE_RATE))
    # [frames, mel bands] after each block: five 2x2 poolings, none after conv_block6 (PANNs Cnn14)
    assert shapes == [(50, 32), (25, 16), (12, 8), (6, 4), (3, 2), (3, 2)]


def test_frontend_matches_the_panns_frontend_tensors(cnn14):
    """The torchlibrosa DFT kernels and mel weights, applied by hand, give :meth:`Cnn14.log_mel`."""
    frontend = cnn14.panns_frontend_state()
    wav = torch.randn(1, SAMPLE_RATE)
    padded = torch.nn.functional.pad(wav[:, None], (512, 512), mode="reflect")
    real = torch.nn.functional.conv1d(padded, frontend["spectrogram_extractor.stft.conv_real.weight"], stride=320)
    imag = torch.nn.functional.conv1d(padded, frontend["spectrogram_extractor.stft.conv_imag.weight"], stride=320)
    power = (real ** 2 + imag ** 2).transpose(1, 2)  # [B, frames, 513]
    mel = 10 * torch.log10((power @ frontend["logmel_extractor.melW"]).clamp(min=1e-10))
    torch.testing.assert_close(cnn14.log_mel(wav)[:, 0], mel, rtol=0, atol=1e-3)


def test_loads_panns_checkpoint_layout(cnn14, tmp_path):
    state = {**cnn14.state_dict(), **cnn14.panns_frontend_state()}  # a PANNs checkpoint holds its front-end
    torch.save({"model": state}, tmp_path / "Cnn14.pth")
    loaded = load_cnn14(tmp_path / "Cnn14.pth")
    wav = torch.randn(SAMPLE_RATE)
    assert torch.allclose(loaded.label_distribution(wav, SAMPLE_RATE), cnn14.label_distribution(wav, SAMPLE_RATE))
    with pytest.raises(MetricUnavailable, match="no audio-tagger weights"):
        load_cnn14(None)


def test_refuses_a_checkpoint_with_another_frontend(cnn14, tmp_path):
    state = {**cnn14.state_dict(), **cnn14.panns_frontend_state()}
    state["logmel_extractor.melW"] = state["logmel_extractor.melW"] * 1.1  # other mel bands
    torch.save({"model": state}, tmp_path / "other.pth")
    with pytest.raises(MetricUnavailable, match="other.pth: front-end tensor logmel_extractor.melW"):
        load_cnn14(tmp_path / "other.pth")
