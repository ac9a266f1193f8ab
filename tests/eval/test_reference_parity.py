"""Parity of the eval models with their reference packages (the ``eval`` extra: panns-inference, torchvggish).

Each reference model is built from its package's own class with seeded random weights (batch-norm
statistics and biases randomised too, so no layer is an identity), its state dict is loaded into ours
through our loader (strict), and both run on the same waveform: front-end and network outputs must
agree within float32 round-off. Skipped when the extra is not installed.
"""
import importlib
import importlib.util
import sys
import types

import pytest
import torch

from audiocraft_expotion.eval.availability import MetricUnavailable
from audiocraft_expotion.eval.cnn14 import SAMPLE_RATE as CNN14_RATE
from audiocraft_expotion.eval.cnn14 import load_cnn14
from audiocraft_expotion.eval.vggish import load_vggish
from audiocraft_expotion.eval.vggish_input import SAMPLE_RATE as VGGISH_RATE
from audiocraft_expotion.eval.vggish_input import waveform_to_examples

FRONTEND_KEYS = ("spectrogram_extractor.", "logmel_extractor.")


def _test_signal(seconds: float, sample_rate: int) -> torch.Tensor:
    """A seeded mono waveform ``[T]``: noise plus two tones, so that every mel band carries energy."""
    gen = torch.Generator().manual_seed(1)
    t = torch.arange(int(seconds * sample_rate)) / sample_rate
    tones = 0.3 * torch.sin(2 * torch.pi * 440 * t) + 0.2 * torch.sin(2 * torch.pi * 3000 * t)
    return tones + 0.1 * torch.randn(t.shape, generator=gen)


def _randomise_stats_and_biases(model: torch.nn.Module, seed: int) -> None:
    """Random batch-norm statistics/affines and biases (weights keep the package's seeded init)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, tensor in model.state_dict().items():  # tensors share storage with the model
            if name.startswith(FRONTEND_KEYS) or not tensor.is_floating_point() or name.endswith("weight") \
                    and tensor.ndim > 1:
                continue
            noise = torch.randn(tensor.shape, generator=gen)
            if name.endswith("running_var"):
                tensor.copy_(0.5 + noise.abs())
            elif name.endswith("weight"):  # batch-norm scale
                tensor.copy_(1 + 0.2 * noise)
            else:  # running_mean, biases
                tensor.copy_(0.2 * noise)


def _max_error(ours: torch.Tensor, reference: torch.Tensor) -> float:
    assert ours.shape == reference.shape
    return float((ours.double() - reference.double()).abs().max())


@pytest.fixture(scope="module")
def panns_models() -> types.ModuleType:
    """``panns_inference.models``, imported without running ``panns_inference/__init__.py``, which fetches
    the AudioSet label list with wget at import time (no network here)."""
    pytest.importorskip("torchlibrosa")
    spec = importlib.util.find_spec("panns_inference")
    if spec is None:
        pytest.skip("panns-inference is not installed (the eval extra)")
    names = ("panns_inference", "panns_inference.models", "panns_inference.pytorch_utils")
    saved = {name: sys.modules.pop(name) for name in names if name in sys.modules}
    package = types.ModuleType("panns_inference")
    package.__path__ = list(spec.submodule_search_locations)
    sys.modules["panns_inference"] = package
    try:
        yield importlib.import_module("panns_inference.models")
    finally:
        for name in names:
            sys.modules.pop(name, None)
        sys.modules.update(saved)


def _panns_cnn14(panns_models: types.ModuleType, sample_rate: int = CNN14_RATE) -> torch.nn.Module:
    """The reference ``Cnn14`` with seeded random weights, for ``sample_rate`` (32 or 16 kHz configuration)."""
    torch.manual_seed(0)
    if sample_rate == CNN14_RATE:
        model = panns_models.Cnn14(sample_rate=32000, window_size=1024, hop_size=320, mel_bins=64, fmin=50,
                                   fmax=14000, classes_num=527)
    else:  # PANNs' Cnn14_16k: same layer shapes, another front-end
        model = panns_models.Cnn14(sample_rate=16000, window_size=512, hop_size=160, mel_bins=64, fmin=50,
                                   fmax=8000, classes_num=527)
    _randomise_stats_and_biases(model, seed=1)
    return model.eval()


def test_cnn14_matches_panns_inference(panns_models, tmp_path):
    reference = _panns_cnn14(panns_models)
    torch.save({"model": reference.state_dict()}, tmp_path / "cnn14.pth")
    ours = load_cnn14(tmp_path / "cnn14.pth")  # strict load; front-end tensors checked against ours
    wav = _test_signal(1.5, CNN14_RATE)[None]
    with torch.no_grad():
        ref_mel = reference.logmel_extractor(reference.spectrogram_extractor(wav))
        out = reference(wav)
        ref_logits = reference.fc_audioset(out["embedding"])
        mel, logits = ours.log_mel(wav), ours(wav)
    print(f"CNN14 parity: log-mel max |err| {_max_error(mel, ref_mel):.2e} dB (range {float(ref_mel.min()):.1f}.."
          f"{float(ref_mel.max()):.1f}), logits max |err| {_max_error(logits, ref_logits):.2e} "
          f"(max |logit| {float(ref_logits.abs().max()):.2f})")
    torch.testing.assert_close(mel, ref_mel, rtol=0, atol=2e-3)
    torch.testing.assert_close(logits, ref_logits, rtol=1e-4, atol=1e-4 * float(ref_logits.abs().max()))
    torch.testing.assert_close(torch.sigmoid(logits), out["clipwise_output"], rtol=0, atol=1e-5)


def test_cnn14_refuses_a_checkpoint_with_another_frontend(panns_models, tmp_path):
    torch.save({"model": _panns_cnn14(panns_models, sample_rate=16000).state_dict()}, tmp_path / "cnn14_16k.pth")
    with pytest.raises(MetricUnavailable, match="cnn14_16k.pth: front-end tensor"):
        load_cnn14(tmp_path / "cnn14_16k.pth")


@pytest.fixture(scope="module")
def torchvggish() -> types.ModuleType:
    return pytest.importorskip("torchvggish")


def test_vggish_matches_torchvggish(torchvggish, tmp_path):
    torch.manual_seed(0)
    reference = torchvggish.VGG(torchvggish.make_layers(), postprocess=False)  # vggish() would download weights
    _randomise_stats_and_biases(reference, seed=1)
    reference.eval()
    torch.save(reference.state_dict(), tmp_path / "vggish.pth")
    ours = load_vggish(tmp_path / "vggish.pth")  # strict load
    pre_relu = []
    # clone: the last Linear's output is overwritten by the in-place ReLU that follows it
    reference.embeddings[-2].register_forward_hook(lambda module, args, output: pre_relu.append(output.clone()))
    wav = _test_signal(3.0, VGGISH_RATE)
    ref_examples = torchvggish.waveform_to_examples(wav.numpy(), VGGISH_RATE, return_tensor=True).detach()
    with torch.no_grad():
        ref_embeddings = reference(ref_examples)
    examples, embeddings = waveform_to_examples(wav, VGGISH_RATE), ours.embed(wav, VGGISH_RATE)
    print(f"VGGish parity: log-mel max |err| {_max_error(examples, ref_examples):.2e} (range "
          f"{float(ref_examples.min()):.2f}..{float(ref_examples.max()):.2f}), embedding max |err| "
          f"{_max_error(embeddings, pre_relu[0]):.2e} (max |emb| {float(pre_relu[0].abs().max()):.3f})")
    torch.testing.assert_close(examples, ref_examples, rtol=0, atol=1e-4)
    scale = float(pre_relu[0].abs().max())
    torch.testing.assert_close(embeddings, pre_relu[0], rtol=1e-4, atol=1e-4 * scale)
    torch.testing.assert_close(torch.relu(embeddings), ref_embeddings, rtol=1e-4, atol=1e-4 * scale)
