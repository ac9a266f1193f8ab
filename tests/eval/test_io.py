import json

import numpy as np
import pytest
import soundfile as sf

from audiocraft_expotion.eval.pairing import pair_by_stem
from audiocraft_expotion.eval.prompts import load_prompts


def _touch_wav(path, seconds=0.1, sr=8000):
    sf.write(path, np.zeros(int(seconds * sr), np.float32), sr)


def test_pairing_by_stem_lists_unpaired(tmp_path):
    gen, ref = tmp_path / "gen", tmp_path / "ref"
    gen.mkdir(), ref.mkdir()
    for name in ("a.wav", "b.flac", "only_gen.wav", "notes.txt"):
        _touch_wav(gen / name) if not name.endswith(".txt") else (gen / name).write_text("x")
    for name in ("a.wav", "b.wav", "only_ref.wav"):
        _touch_wav(ref / name)
    pairing = pair_by_stem(gen, ref)
    assert [(s, g.name, r.name) for s, g, r in pairing.pairs] == [("a", "a.wav", "a.wav"), ("b", "b.flac", "b.wav")]
    assert [p.name for p in pairing.generated_only] == ["only_gen.wav"]
    assert [p.name for p in pairing.reference_only] == ["only_ref.wav"]
    _touch_wav(gen / "a.flac")
    with pytest.raises(ValueError, match="stem 'a'"):
        pair_by_stem(gen, ref)


def test_prompts_json_and_tab_separated(tmp_path):
    (tmp_path / "p.json").write_text(json.dumps({"a": "calm piano"}))
    assert load_prompts(tmp_path / "p.json") == {"a": "calm piano"}
    (tmp_path / "p.tsv").write_text("# stem\tprompt\na\tcalm piano\n\nb\tfast drums, loud\n")
    assert load_prompts(tmp_path / "p.tsv") == {"a": "calm piano", "b": "fast drums, loud"}
    (tmp_path / "bad.tsv").write_text("a calm piano\n")
    with pytest.raises(ValueError, match="bad.tsv:1"):
        load_prompts(tmp_path / "bad.tsv")
