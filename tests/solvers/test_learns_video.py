"""A shortened bench/learns_video.py: synthetic clips -> build_manifest -> dora run solver=expotion/smoke ->
export -> held-out CE with the matching vs another clip's video. Too short to show the full bench's positive
gap reliably; it checks the path and that the trained model's predictions depend on the video."""
import importlib.util
import json
import math
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow  # a dora run (about a minute on 2 cores)
def test_shortened_learns_video_bench(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("AUDIOCRAFT_CONFIG", raising=False)
    spec = importlib.util.spec_from_file_location("learns_video", ROOT / "bench" / "learns_video.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    summary = bench.main(["--seeds", "0", "--updates", "40", "--clips", "20", "--out", str(tmp_path)])
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert json.loads(last) == summary
    assert set(summary) >= {"ce_matched", "ce_mismatched", "gaps", "seconds"} and len(summary["gaps"]) == 1
    assert all(math.isfinite(summary[k]) and summary[k] > 0 for k in ("ce_matched", "ce_mismatched"))
    assert summary["gaps"][0] != 0  # trained gates are open: another clip's video changes the predictions
    assert (tmp_path / "export0" / "expotion_state_dict.bin").is_file()
