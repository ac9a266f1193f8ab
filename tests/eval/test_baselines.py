"""``python -m audiocraft_expotion.eval.baselines``: the text-only MusicGen baseline and an Expotion
checkpoint generated on a synthetic evaluation split, evaluated, and assembled with the paper's rows."""
import argparse
import csv

import numpy as np
import pytest
import soundfile as sf
import torch

from audiocraft_expotion.data.synthetic import SyntheticConfig, build_synthetic_dataset
from audiocraft_expotion.eval.baselines import System, main, parse_system
from audiocraft_expotion.eval.paper_table import paper_rows
from audiocraft_expotion.models.expotion_gen import ExpotionGen
from audiocraft_expotion.models.loaders import export_model

CLIPS = [f"clip{i:03d}" for i in range(4)]
DURATION = 1.5  # of the 2 s clips: checks the --duration cap


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One run of the CLI with systems ``musicgen=tiny`` and an exported tiny model with open gates."""
    root = tmp_path_factory.mktemp("baselines")
    build_synthetic_dataset(root / "data", SyntheticConfig(num_clips=4, duration=2.0), splits="evaluate=1")
    model = ExpotionGen.get_pretrained("tiny", device="cpu")
    with torch.no_grad():
        model.lm.adaptor.gates.fill_(1.)
    export_model(root / "expotion", model.lm, base="tiny")
    argv = ["--manifest", str(root / "data" / "egs" / "evaluate"), "--system", "musicgen=tiny",
            "--system", f"expotion={root / 'expotion'}", "--duration", str(DURATION), "--seed", "3",
            "--metrics", "tempo", "beat_f1", "fad", "--device", "cpu", "-o", str(root / "out")]
    assert main(argv) == 0
    return root / "out", argv


def test_generated_and_reference_wavs_cover_the_requested_span(run):
    out, _ = run
    for folder in (out / "reference", out / "musicgen" / "generated", out / "expotion" / "generated"):
        assert sorted(p.stem for p in folder.glob("*.wav")) == CLIPS
        for path in folder.glob("*.wav"):
            info = sf.info(path)
            assert info.frames == round(DURATION * info.samplerate), path


def test_the_two_systems_generate_different_music(run):
    out, _ = run
    for clip in CLIPS:
        baseline, _ = sf.read(out / "musicgen" / "generated" / f"{clip}.wav")
        expotion, _ = sf.read(out / "expotion" / "generated" / f"{clip}.wav")
        assert not np.allclose(baseline, expotion), clip


def test_table_has_both_systems_below_the_paper_rows_and_unavailable_metrics(run):
    out, _ = run
    with open(out / "table" / "table.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["Source"], r["Motion Feat."]) for r in rows] == (
        [("paper", row.motion_feat) for row in paper_rows()]
        + [(str(out / name / "results"), name) for name in ("musicgen", "expotion")])
    for row in rows[-2:]:
        assert row["Prompt"] == "Generated"
        assert float(row["Tempo Err. (bpm)↓"]) >= 0 and 0 <= float(row["F1-score (Beat)↑"]) <= 1
        assert row["FAD-VGG↓"].startswith("unavailable: no VGGish weights")
        assert row["Avg. KL↓"] == "–"  # not asked for
    assert "unavailable" in (out / "table" / "table.md").read_text(encoding="utf-8")
    assert (out / "table" / "table.png").stat().st_size > 0


def test_rerun_keeps_existing_files_and_regenerates_missing_ones_identically(run):
    out, argv = run
    kept = out / "musicgen" / "generated" / "clip000.wav"
    removed = out / "expotion" / "generated" / "clip001.wav"
    kept_mtime, removed_bytes = kept.stat().st_mtime_ns, removed.read_bytes()
    removed.unlink()
    assert main(argv) == 0
    assert kept.stat().st_mtime_ns == kept_mtime
    assert removed.read_bytes() == removed_bytes


@pytest.mark.parametrize("spec, expected", [
    ("MusicGen=facebook/musicgen-small", System("MusicGen", "facebook/musicgen-small", "generated")),
    ("motion RAFT=exports/raft:generic", System("motion RAFT", "exports/raft", "generic")),
    ("x=C:/models/a:generated", System("x", "C:/models/a", "generated")),
])
def test_parse_system(spec, expected):
    assert parse_system(spec) == expected


@pytest.mark.parametrize("spec", ["small", "=small", "a/b=small", "reference=small", "x="])
def test_parse_system_rejects_bad_specs(spec):
    with pytest.raises(argparse.ArgumentTypeError, match="bad system"):
        parse_system(spec)
