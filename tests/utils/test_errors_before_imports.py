"""Path and argument mistakes are reported before torch or audiocraft is imported: one ``error: ...``
line naming the path, exit code 2, in a fraction of a second instead of 7-8 s of imports first.

Each case runs the CLI's ``main`` in a fresh process and records which heavy packages it had imported."""
import os
import subprocess
import sys
import typing as tp
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "audiocraft")
PROBE = ("import importlib, sys\n"
         "module, argv = sys.argv[1], sys.argv[2:]\n"
         "try:\n"
         "    code = importlib.import_module(module).main(argv)\n"
         "except SystemExit as exc:\n"
         "    code = exc.code\n"
         f"print('imported:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
         "sys.exit(code)\n")


class Outcome(tp.NamedTuple):
    code: int
    errors: tp.List[str]
    heavy: str


def run_main(module: str, argv: tp.Sequence[str], cwd: Path, **env: str) -> Outcome:
    """``module.main(argv)`` in a fresh process without the dora/audiocraft environment variables (plus ``env``)."""
    clean = {k: v for k, v in os.environ.items()
             if k not in ("AUDIOCRAFT_CONFIG", "AUDIOCRAFT_DORA_DIR", "AUDIOCRAFT_CLUSTER", "EXPOTION_XP_DIR")}
    clean.update(env, HF_HUB_OFFLINE="1", PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-c", PROBE, module, *argv], cwd=cwd, env=clean, capture_output=True,
                          text=True, timeout=300)
    heavy = next(line for line in proc.stdout.splitlines() if line.startswith("imported:"))
    return Outcome(proc.returncode, proc.stderr.strip().splitlines(), heavy[len("imported:"):])


@pytest.fixture
def clip(real_videos, tmp_path) -> Path:
    """A link to a real clip (an output that reaches it would replace the link, never the shared clip)."""
    link = tmp_path / "clip.mp4"
    link.symlink_to(real_videos["owl_clip3.mp4"])
    return link


def xp_folder(tmp_path: Path) -> Path:
    """A dora XP folder as training leaves it: its command line and a (here unreadable) checkpoint."""
    folder = tmp_path / "expotion_xps" / "xps" / "0123abcd"
    folder.mkdir(parents=True)
    (folder / ".argv.json").write_text("[]")
    (folder / "checkpoint.th").write_bytes(b"")
    return folder


GENERATE = "audiocraft_expotion.generate.__main__"
EXPORT = "audiocraft_expotion.export"
APP = "audiocraft_expotion.generate.app"


@pytest.mark.parametrize("case, argv, expected", [
    ("missing video", ["{tmp}/missing.mp4", "-o", "{tmp}/out.mp4"], "{tmp}/missing.mp4: file does not exist"),
    ("not a video", ["{tmp}/text.mp4", "-o", "{tmp}/out.mp4"], "{tmp}/text.mp4: cannot open"),
    ("output is the input", ["{clip}", "-o", "{clip}"], "would overwrite the input video"),
    ("output not mp4", ["{clip}", "-o", "{tmp}/out.wav"], "{tmp}/out.wav: the output must be an .mp4"),
    ("output inside a file", ["{clip}", "-o", "{tmp}/text.mp4/out.mp4"], "{tmp}/text.mp4: cannot be the output folder"),
    ("cache inside a file", ["{clip}", "-o", "{tmp}/out.mp4", "--cache", "{tmp}/text.mp4/cache"],
     "{tmp}/text.mp4/cache: cannot be the output folder"),
    ("missing model folder", ["{clip}", "-o", "{tmp}/out.mp4", "--model", "{tmp}/no_model"],
     "{tmp}/no_model: no such model file or folder"),
    ("training folder as model", ["{clip}", "-o", "{tmp}/out.mp4", "--model", "{xp}"],
     "python -m audiocraft_expotion.export {xp} OUT_DIR"),
    ("zero threads", ["{clip}", "-o", "{tmp}/out.mp4", "--threads", "0"], "expected an integer >= 1"),
])
def test_generate_reports_path_mistakes_before_importing_torch(clip, tmp_path, case, argv, expected):
    (tmp_path / "text.mp4").write_text("not a video")
    names = {"tmp": str(tmp_path), "clip": str(clip), "xp": str(xp_folder(tmp_path))}
    outcome = run_main(GENERATE, [a.format(**names) for a in argv], cwd=tmp_path)
    assert outcome.code == 2 and len(outcome.errors) == 1, outcome
    assert outcome.errors[0].startswith("error: ") and expected.format(**names) in outcome.errors[0]
    assert outcome.heavy == "", f"{case}: imported {outcome.heavy} before the error"
    assert not (tmp_path / "out.mp4").exists() and not (tmp_path / "outputs").exists()


@pytest.mark.parametrize("case, argv, env, expected", [
    ("missing folder", ["{tmp}/no_such_xp", "{tmp}/out"], {}, "{tmp}/no_such_xp: no such checkpoint file or XP folder"),
    ("not a signature", ["no_such_xp", "{tmp}/out"], {}, "nor a dora XP signature"),
    ("folder that is no XP", ["{tmp}/empty_xp", "{tmp}/out"], {}, "{tmp}/empty_xp: not a dora XP folder"),
    ("XP without checkpoint", ["{tmp}/started_xp", "{tmp}/out"], {}, "{tmp}/started_xp/checkpoint.th: no checkpoint"),
    ("OUT_DIR inside a file", ["{xp}", "{tmp}/file/out"], {}, "{tmp}/file is an existing file"),
])
def test_export_reports_path_mistakes_before_importing_torch(tmp_path, case, argv, env, expected):
    (tmp_path / "empty_xp").mkdir()
    (tmp_path / "started_xp").mkdir()
    (tmp_path / "started_xp" / ".argv.json").write_text("[]")
    (tmp_path / "file").write_text("")
    names = {"tmp": str(tmp_path.resolve()), "xp": str(xp_folder(tmp_path))}
    outcome = run_main(EXPORT, [a.format(**names) for a in argv], cwd=tmp_path,
                       **{k: v.format(**names) for k, v in env.items()})
    assert outcome.code == 2 and len(outcome.errors) == 1, outcome
    assert outcome.errors[0].startswith("error: ") and expected.format(**names) in outcome.errors[0]
    assert outcome.heavy == "", f"{case}: imported {outcome.heavy} before the error"
    assert not (tmp_path / "out").exists()


def test_export_names_an_unknown_signature_and_where_dora_looked(tmp_path):
    """A signature is looked up by dora (audiocraft is imported), still one error line."""
    outcome = run_main(EXPORT, ["89abcdef", str(tmp_path / "out")], cwd=tmp_path, EXPOTION_XP_DIR=str(tmp_path / "mine"))
    assert outcome.code == 2 and [e for e in outcome.errors if e.startswith("error:")] == [
        f"error: 89abcdef: no XP with this signature in {tmp_path.resolve() / 'mine'}."], outcome  # dora also logs its folder


@pytest.mark.parametrize("case, argv, expected", [
    ("missing video", ["--extractor", "flow", "{tmp}/missing.mp4"], "{tmp}/missing.mp4"),
    ("missing weights of one of several encoders",
     ["--extractor", "flow", "--extractor", "marlin", "--checkpoint", "marlin={tmp}/nope.pt", "{clip}"], "{tmp}/nope.pt"),
    ("zero threads", ["--extractor", "flow", "--threads", "0", "{clip}"], "expected an integer >= 1"),
    ("zero batch", ["--extractor", "flow", "--batch-size", "0", "{clip}"], "expected an integer >= 1"),
    ("folder without videos", ["--extractor", "flow", "{tmp}/empty"], "no video found in {tmp}/empty."),
])
def test_features_extract_reports_mistakes_before_importing_torch(clip, tmp_path, case, argv, expected):
    (tmp_path / "empty").mkdir()
    names = {"tmp": str(tmp_path), "clip": str(clip)}
    outcome = run_main("audiocraft_expotion.features.cli",
                       ["extract", *[a.format(**names) for a in argv], "--out", str(tmp_path / "f")], cwd=tmp_path)
    assert outcome.code == 2 and len(outcome.errors) == 1 and expected.format(**names) in outcome.errors[0], outcome
    assert outcome.heavy == "", f"{case}: imported {outcome.heavy} before the error"
    assert not (tmp_path / "f").exists()


def test_build_manifest_reports_a_missing_folder_before_importing_audiocraft(tmp_path):
    (tmp_path / "feats").mkdir()
    outcome = run_main("audiocraft_expotion.data.build_manifest",
                       [str(tmp_path / "missing"), "--features", str(tmp_path / "feats"), "--out", str(tmp_path / "d")],
                       cwd=tmp_path)
    assert outcome.code == 2 and len(outcome.errors) == 1 and str(tmp_path / "missing") in outcome.errors[0]
    assert outcome.heavy == ""


@pytest.mark.parametrize("module", [GENERATE, EXPORT, APP])
def test_help_imports_neither_torch_nor_audiocraft(tmp_path, module):
    outcome = run_main(module, ["--help"], cwd=tmp_path)
    assert outcome.code == 0 and outcome.heavy == ""


def test_web_demo_reports_a_missing_model_before_importing_torch(tmp_path):
    outcome = run_main(APP, ["--model", str(tmp_path / "no_model")], cwd=tmp_path)
    assert outcome.code == 2 and len(outcome.errors) == 1, outcome
    assert outcome.errors[0].startswith(f"error: {tmp_path / 'no_model'}: no such model file or folder")
    assert outcome.heavy == ""
