"""End to end in CI-like conditions: no weights, offline hub; real clips as "generated" music."""
import csv
import json
import math
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from audiocraft_expotion.eval import evaluate_folder
from audiocraft_expotion.media.audio import read_audio
from audiocraft_expotion.eval.report import main as report_main
from audiocraft_expotion.eval.results_io import write_results
from audiocraft_expotion.eval.table import TABLE1_COLUMNS

from eval_synth import SAMPLE_RATE, make_click_track

FAKE_MODEL = '''
import torch

class Fake:
    def embed_video(self, frames, fps):
        return frames.float().mean(dim=(0, 1, 2))

    def embed_audio(self, wav, sample_rate):
        return torch.stack([wav.pow(2).mean().sqrt(), wav.abs().max(), wav.mean().abs()])

def make(device="cpu"):
    return Fake()
'''


@pytest.fixture(scope="module")
def folders(real_videos, tmp_path_factory):
    """generated/: the 3 real clips + an unpaired wav; reference/: identical, shifted, click track, unpaired."""
    root = tmp_path_factory.mktemp("eval_cli")
    gen, ref = root / "generated", root / "reference"
    gen.mkdir(), ref.mkdir()
    for path in real_videos.values():
        shutil.copy(path, gen / path.name)
    owl, sr = read_audio(real_videos["owl_clip3.mp4"])
    sf.write(ref / "owl_clip3.wav", owl[0].numpy(), sr)
    rabbit, sr = read_audio(real_videos["rabbit_clip2.mp4"])
    sf.write(ref / "rabbit_clip2.flac", np.roll(rabbit[0].numpy(), int(0.25 * sr)), sr)  # 250 ms later
    sf.write(ref / "monkey_clip18.wav", make_click_track(120).numpy(), SAMPLE_RATE)
    sf.write(gen / "lonely_generated.wav", make_click_track(100, duration=3).numpy(), SAMPLE_RATE)
    sf.write(ref / "lonely_reference.wav", make_click_track(100, duration=3).numpy(), SAMPLE_RATE)
    (root / "prompts.json").write_text(json.dumps({"owl_clip3": "calm piano", "rabbit_clip2": "fast drums"}))
    return root


@pytest.fixture(scope="module")
def cli_run(folders, real_videos):
    out = folders / "results"
    cmd = [sys.executable, "-m", "audiocraft_expotion.eval", "--generated", str(folders / "generated"),
           "--reference", str(folders / "reference"), "--prompts", str(folders / "prompts.json"),
           "--videos", str(real_videos["owl_clip3.mp4"].parent), "--system", "cli test", "--prompt-type", "Generated",
           "-o", str(out)]
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, proc


def test_outputs_exist(cli_run):
    out, proc = cli_run
    for name in ("per_clip.csv", "summary.csv", "summary.md", "summary.json", "summary.png", "unpaired.txt"):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    assert (out / "summary.png").read_bytes()[:4] == b"\x89PNG"
    assert "evaluating clips" in proc.stderr  # tqdm progress bar


def test_model_metrics_unavailable_with_reasons(cli_run):
    metrics = json.loads((cli_run[0] / "summary.json").read_text())["metrics"]
    expected = {"fad": "VGGish weights", "kl": "audio-tagger weights", "is": "audio-tagger weights",
                "text_audio": "CLAP", "video_audio": "languagebind"}
    for key, cause in expected.items():
        assert cause in metrics[key]["unavailable"], (key, metrics[key])
    assert "unavailable: no VGGish weights" in (cli_run[0] / "summary.csv").read_text()


def test_rhythm_metrics_have_real_numbers(cli_run):
    out, _ = cli_run
    metrics = json.loads((out / "summary.json").read_text())["metrics"]
    assert math.isfinite(metrics["tempo"]) and 0 <= metrics["beat_f1"] <= 1
    rows = {row["stem"]: row for row in csv.DictReader(open(out / "per_clip.csv"))}
    assert set(rows) == {"owl_clip3", "rabbit_clip2", "monkey_clip18"}
    assert float(rows["owl_clip3"]["beat_f1"]) == 1.0 and float(rows["owl_clip3"]["tempo"]) == 0.0
    assert float(rows["rabbit_clip2"]["beat_f1"]) < 0.5  # shifted copy: same tempo, beats off by 250 ms
    assert float(rows["monkey_clip18"]["tempo_reference"]) == pytest.approx(120, abs=2)
    mean_f1 = np.mean([float(r["beat_f1"]) for r in rows.values()])
    assert metrics["beat_f1"] == pytest.approx(mean_f1, abs=1e-4)
    with open(out / "summary.csv") as handle:
        header = next(csv.reader(handle))
    assert tuple(header) == TABLE1_COLUMNS


def test_unpaired_files_are_listed(cli_run):
    out, proc = cli_run
    for text in ((out / "unpaired.txt").read_text(), proc.stdout):
        assert "lonely_generated.wav" in text and "lonely_reference.wav" in text


def test_evaluate_folder_with_plugged_video_model_and_report(cli_run, folders, real_videos, tmp_path, monkeypatch):
    (tmp_path / "fake_va.py").write_text(FAKE_MODEL)
    monkeypatch.syspath_prepend(str(tmp_path))
    results = evaluate_folder(folders / "generated", folders / "reference", metrics=("tempo", "beat_f1", "video_audio"),
                              videos_dir=real_videos["owl_clip3.mp4"].parent, video_audio_model="fake_va:make",
                              progress=False)
    assert set(results.summary) == {"tempo", "beat_f1", "video_audio"}
    assert -1 <= results.summary["video_audio"] <= 1
    write_results(results, tmp_path / "second", "second system", "Generic")

    assert report_main([str(cli_run[0]), str(tmp_path / "second"), "-o", str(tmp_path / "table")]) == 0
    markdown = (tmp_path / "table" / "table.md").read_text()
    assert markdown.count("| paper |") == 9 and "cli test" in markdown and "second system" in markdown
    assert "| paper | motion Syncformer | Generated | 1.93 | 0.65 | 1.57 | 32.89 | 0.36 | 0.52 | 0.61 |" in markdown
    rows = list(csv.reader(open(tmp_path / "table" / "table.csv")))
    assert tuple(rows[0]) == ("Source",) + TABLE1_COLUMNS and len(rows) == 1 + 9 + 2
    assert rows[-1][TABLE1_COLUMNS.index("FAD-VGG↓") + 1] == "–"  # not computed for the second system
    assert (tmp_path / "table" / "table.png").read_bytes()[:4] == b"\x89PNG"
