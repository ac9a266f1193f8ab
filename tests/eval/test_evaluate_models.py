"""evaluate_folder's model-based metrics with random-weight checkpoints (the weights users pass)."""
import json
import math
import subprocess
import sys

import pytest
import soundfile as sf
import torch
from eval_synth import SAMPLE_RATE, make_click_track

from audiocraft_expotion.eval import evaluate_folder
from audiocraft_expotion.eval.cnn14 import Cnn14, load_cnn14
from audiocraft_expotion.eval.vggish import VGGish


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    """Random-weight torchvggish and PANNs-style CNN14 checkpoints."""
    folder = tmp_path_factory.mktemp("weights")
    torch.manual_seed(0)
    torch.save(VGGish().state_dict(), folder / "vggish.pth")
    torch.save({"model": Cnn14().state_dict()}, folder / "cnn14.pth")
    return folder / "vggish.pth", folder / "cnn14.pth"


def test_all_model_metrics_computed(checkpoints, tiny_clap_dir, tmp_path):
    gen, ref = tmp_path / "gen", tmp_path / "ref"
    gen.mkdir(), ref.mkdir()
    for i, bpm in enumerate((90, 120, 140)):
        noise = torch.randn(3 * SAMPLE_RATE, generator=torch.Generator().manual_seed(i))
        clip = make_click_track(bpm, duration=3.0) + 0.01 * noise
        sf.write(gen / f"c{i}.wav", clip.numpy(), SAMPLE_RATE)
        sf.write(ref / f"c{i}.wav", (clip if i == 0 else make_click_track(100, duration=3.0)).numpy(), SAMPLE_RATE)
    results = evaluate_folder(gen, ref, metrics=("fad", "kl", "is", "tempo", "beat_f1", "text_audio"),
                              prompts={"c0": "calm piano", "c1": "fast drums", "c2": "music"},
                              vggish_weights=checkpoints[0], tagger_weights=checkpoints[1],
                              clap_model=str(tiny_clap_dir), progress=False)
    for key, value in results.summary.items():
        assert isinstance(value, float) and math.isfinite(value), (key, value)
    assert results.summary["fad"] > 0
    assert 1.0 <= results.summary["is"] <= 3.0  # at most the number of clips
    kl = {row["stem"]: row["kl"] for row in results.clips}
    assert kl["c0"] == pytest.approx(0.0, abs=1e-3)  # identical pair (eps = 1e-6 on 527 classes: ~ -5e-4)
    assert results.summary["kl"] == pytest.approx(sum(kl.values()) / 3)
    tagger = load_cnn14(checkpoints[1])  # KL(p_ref || p_gen) with eps 1e-6 on the generated side, in nats
    p_gen, p_ref = (tagger.label_distribution(torch.from_numpy(sf.read(folder / "c1.wav", dtype="float32")[0]),
                                              SAMPLE_RATE).double() for folder in (gen, ref))
    assert kl["c1"] == pytest.approx(float((p_ref * (p_ref.log() - (p_gen + 1e-6).log())).sum()), rel=1e-4)
    assert all(-1 <= row["text_audio"] <= 1 for row in results.clips)


def test_missing_prompt_makes_text_audio_unavailable(tiny_clap_dir, tmp_path):
    for folder in ("gen", "ref"):
        (tmp_path / folder).mkdir()
        for stem in ("a", "b"):
            sf.write(tmp_path / folder / f"{stem}.wav", make_click_track(120, duration=2.0).numpy(), SAMPLE_RATE)
    results = evaluate_folder(tmp_path / "gen", tmp_path / "ref", metrics=("text_audio",), prompts={"a": "piano"},
                              clap_model=str(tiny_clap_dir), progress=False)
    assert "1/2 clips: no prompt for 'b'" in results.summary["text_audio"].reason


@pytest.mark.slow
def test_cli_with_weights_on_real_clips(checkpoints, real_videos, tmp_path):
    """Full-size random-weight VGGish and CNN14 through the CLI on the real 10 s clips."""
    folder = next(iter(real_videos.values())).parent
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "audiocraft_expotion.eval", "--generated", str(folder), "--reference", str(folder),
           "--vggish-weights", str(checkpoints[0]), "--tagger-weights", str(checkpoints[1]),
           "--metrics", "fad", "kl", "is", "tempo", "beat_f1", "-o", str(out)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=900)
    metrics = json.loads((out / "summary.json").read_text())["metrics"]
    assert metrics["fad"] == pytest.approx(0.0, abs=1e-3)  # a set against itself
    assert metrics["kl"] == pytest.approx(0.0, abs=1e-3)
    assert metrics["tempo"] == 0.0 and metrics["beat_f1"] == 1.0
    assert metrics["is"] >= 1.0
