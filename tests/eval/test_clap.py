import pytest
import torch

from audiocraft_expotion.eval.availability import MetricUnavailable
from audiocraft_expotion.eval.clap import ClapScorer

def test_similarity_is_a_deterministic_cosine(tiny_clap_dir):
    scorer = ClapScorer.from_pretrained(str(tiny_clap_dir))
    wav = torch.randn(8000)
    audio, text = scorer.embed_audio(wav, 8000), scorer.embed_text(["calm piano music"])
    assert audio.shape == (1, 16) and text.shape == (1, 16)
    assert audio.norm().item() == pytest.approx(1.0, abs=1e-5)
    score = scorer.similarity(wav, 8000, "calm piano music")
    assert -1.0 <= score <= 1.0
    assert score == pytest.approx(float(audio @ text.T), abs=1e-6)
    assert score == scorer.similarity(wav, 8000, "calm piano music")
    assert score != pytest.approx(scorer.similarity(wav, 8000, "fast drums"), abs=1e-6)
    assert scorer.embed_audio(torch.randn(16000), 16000).shape == (1, 16)  # resampled to the extractor rate


def test_unavailable_offline(tmp_path):
    with pytest.raises(MetricUnavailable, match="cannot load CLAP model"):
        ClapScorer.from_pretrained(str(tmp_path / "no-such-model"))
