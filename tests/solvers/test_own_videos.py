"""The README's "Train on your own videos" commands, exactly as written, on the real clips
(../shared/data/videos: three 10 s videos whose audio track is the music; no captions).

    python -m audiocraft_expotion.features extract --extractor mediapipe_face --extractor flow clips --out feats
    python -m audiocraft_expotion.data.build_manifest clips --features feats --out data
    dora run solver=expotion/smoke expotion.data=data
    python -m audiocraft_expotion.export SIG exports/mine
    python -m audiocraft_expotion.generate clips/one.mp4 --prompt "calm piano" --model exports/mine -o out.mp4
"""
import json
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

from audiocraft_expotion.data.dataset_record import load_dataset_record
from audiocraft_expotion.data.extractor_record import read_extractor_record

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
COMMANDS = [
    "-m audiocraft_expotion.features extract --extractor mediapipe_face --extractor flow clips --out feats",
    "-m audiocraft_expotion.data.build_manifest clips --features feats --out data",
    "-m dora run solver=expotion/smoke expotion.data=data",
]


def env_for(tmp: Path) -> dict:
    env = dict(os.environ, DORA_PACKAGE="audiocraft_expotion", EXPOTION_XP_DIR=str(tmp / "xps"), HF_HUB_OFFLINE="1",
               PYTHONUNBUFFERED="1", PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    for name in ("AUDIOCRAFT_CONFIG", "AUDIOCRAFT_DORA_DIR", "USER"):
        env.pop(name, None)
    return env


def run(tmp: Path, command: str, timeout: int = 900) -> subprocess.CompletedProcess:
    """``python COMMAND`` in ``tmp``; prints its wall time (the figures of the issue's closing note)."""
    start = time.time()
    out = subprocess.run([sys.executable, *shlex.split(command)], cwd=tmp, env=env_for(tmp), capture_output=True,
                         text=True, timeout=timeout)
    print(f"[{time.time() - start:6.1f} s] python {command}")
    return out


@pytest.fixture(scope="module")
def trained(tmp_path_factory, real_videos) -> dict:
    """The chain up to training; returns the folder, the XP signature and the XP folder."""
    tmp = tmp_path_factory.mktemp("own_videos")
    (tmp / "clips").mkdir()
    for name, path in real_videos.items():
        (tmp / "clips" / name).symlink_to(path)
    outputs = []
    for command in COMMANDS:
        out = run(tmp, command)
        assert out.returncode == 0, (command, (out.stdout + out.stderr)[-4000:])
        outputs.append(out.stdout + out.stderr)
    log = re.sub(r"\x1b\[[0-9;]*m", "", outputs[-1])
    sig = re.search(r"Instantiating solver ExpotionSolver for XP (\w+)", log).group(1)
    folder = Path(re.search(r"All XP logs are stored in (\S+)", log).group(1))
    return {"tmp": tmp, "sig": sig, "folder": folder, "manifest_output": outputs[1]}


def test_features_and_dataset_of_the_real_clips(trained, real_videos):
    tmp = trained["tmp"]
    stems = sorted(Path(name).stem for name in real_videos)
    for stem in stems:
        for extractor in ("mediapipe_face", "flow"):
            assert (tmp / "feats" / f"{stem}.{extractor}.npz").is_file()
    record = load_dataset_record(tmp / "data")
    assert {name: (r.modality, r.dim) for name, r in record.extractors.items()} == \
        {"mediapipe_face": ("face", 317), "flow": ("motion", 21)}
    assert not record.captions and "generic" in trained["manifest_output"]
    held_out = record.splits["valid"]
    assert len(held_out) == 1 and record.splits["evaluate"] == record.splits["generate"] == held_out
    assert sorted(record.splits["train"] + held_out) == stems


def test_smoke_xp_trains_all_stages_and_keeps_the_last_checkpoints(trained):
    folder = trained["folder"]
    history = json.loads((folder / "history.json").read_text())
    assert len(history) == 3 and all({"train", "valid", "evaluate", "generate"} <= set(h) for h in history)
    assert sorted(p.name for p in folder.glob("checkpoint_*.th")) == ["checkpoint_2.th", "checkpoint_3.th"]  # keep_last
    (clip,) = load_dataset_record(trained["tmp"] / "data").splits["generate"]
    assert (folder / "samples" / "epoch_003" / f"{clip}.mp4").is_file()  # the held-out clip with its new music


def test_export_records_the_extractors_and_generate_uses_them(trained, real_videos):
    tmp = trained["tmp"]
    out = run(tmp, f"-m audiocraft_expotion.export {trained['sig']} exports/mine")
    assert out.returncode == 0, out.stderr[-3000:]
    record = read_extractor_record(tmp / "exports" / "mine")
    dataset = load_dataset_record(tmp / "data").extractors
    assert record == {"face": dataset["mediapipe_face"], "motion": dataset["flow"]}
    assert run(tmp, f"-m audiocraft_expotion.export {trained['folder']} exports/from_folder").returncode == 0
    assert read_extractor_record(tmp / "exports" / "from_folder") == record
    clip = sorted(real_videos)[0]
    out = run(tmp, f'-m audiocraft_expotion.generate clips/{clip} --prompt "calm piano" --model exports/mine '
                   '-o out.mp4')
    assert out.returncode == 0, (out.stdout + out.stderr)[-3000:]
    assert (tmp / "out.mp4").is_file() and (tmp / "out.wav").is_file()


def test_a_contradicting_override_fails_at_once_naming_the_fix(trained):
    out = run(trained["tmp"], "-m dora run solver=expotion/smoke expotion.data=data expotion.face_dim=768")
    assert out.returncode != 0
    assert "set expotion.face_dim=317" in out.stdout + out.stderr


def test_fewer_clips_in_a_split_than_processes_fails_naming_the_split(trained):
    out = run(trained["tmp"], "-m dora run -d --ddp_workers 2 solver=expotion/smoke expotion.data=data label=ddp")
    text = out.stdout + out.stderr + "".join(p.read_text() for p in (trained["tmp"] / "xps").rglob("worker_*.log"))
    assert out.returncode != 0
    assert re.search(r"valid/data.jsonl: the 'valid' split has 1 clip\(s\), 1 item\(s\) per epoch, fewer than the 2 "
                     r"processes", text), text[-3000:]
