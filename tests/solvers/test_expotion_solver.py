"""`dora run solver=expotion/debug` end to end on CPU: train, valid, evaluate, generate, checkpoints,
kill -9 and resume, export, two-process data parallel, and the ablation grid."""
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]
DORA = [sys.executable, "-m", "dora", "-P", "audiocraft_expotion"]


def env_for(tmp: Path) -> dict:
    env = dict(os.environ, EXPOTION_DATA=str(tmp / "data"), EXPOTION_XP_DIR=str(tmp / "xps"), HF_HUB_OFFLINE="1",
               PYTHONUNBUFFERED="1",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    for name in ("AUDIOCRAFT_CONFIG", "AUDIOCRAFT_DORA_DIR", "USER"):  # USER may be unset on CI machines
        env.pop(name, None)
    return env


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A folder with synthetic clips (audio, features, small mp4 videos) and their manifests."""
    tmp = tmp_path_factory.mktemp("solver")
    subprocess.run([sys.executable, "-m", "audiocraft_expotion.data.synthetic", str(tmp / "data"), "--num-clips", "16",
                    "--duration", "3", "--video"], check=True, cwd=tmp, env=env_for(tmp), capture_output=True)
    return tmp


def dora_run(tmp: Path, *overrides: str, ddp_workers: int = 0, timeout: int = 600) -> subprocess.CompletedProcess:
    ddp = ["-d", "--ddp_workers", str(ddp_workers)] if ddp_workers else []
    return subprocess.run(DORA + ["run", *ddp, "solver=expotion/debug", *overrides], cwd=tmp, env=env_for(tmp),
                          capture_output=True, text=True, timeout=timeout)


def xp_folder(tmp: Path, output: str) -> Path:
    output = re.sub(r"\x1b\[[0-9;]*m", "", output)  # colour codes of the log
    match = re.search(r"All XP logs are stored in (\S+)", output)
    assert match, output[-3000:]
    return Path(match.group(1))


def test_debug_xp_trains_validates_generates_and_checkpoints_only_the_adaptor(workdir):
    run = dora_run(workdir, "label=e2e", "evaluate.expotion.use=true", "optim.ema.use=true", "optim.ema.updates=1")
    assert run.returncode == 0, run.stderr[-4000:]
    folder = xp_folder(workdir, run.stderr + run.stdout)
    history = json.loads((folder / "history.json").read_text())
    assert len(history) == 2 and all({"train", "valid", "evaluate", "generate"} <= set(h) for h in history)
    assert history[-1]["train"]["ce"] > 0
    assert history[-1]["evaluate"]["tempo"] >= 0 and 0 <= history[-1]["evaluate"]["beat_f1"] <= 1
    assert sorted((folder / "evaluate" / "epoch_002" / "generated").glob("*.wav"))
    samples = folder / "samples" / "epoch_002"
    wavs = sorted(samples.glob("*.wav"))
    assert wavs and all(w.with_suffix(".json").is_file() and w.with_suffix(".mp4").is_file() for w in wavs)
    state = torch.load(folder / "checkpoint.th", map_location="cpu", weights_only=True)  # as audiocraft resumes
    assert all(k.startswith(("adaptor.", "visual.")) for k in state["model"])
    assert set(state["ema"]["state"]["model"]) == set(state["model"])  # the EMA covers the adaptor only
    assert set(state["best_state"]["model"]) == set(state["model"])
    trained = sum(v.numel() for v in state["model"].values())
    print(f"debug XP checkpoint: {trained} trainable values stored")
    assert trained < 250_000  # the tiny LM itself (~0.5 M values) is not stored
    assert "xp.cfg" in state


def test_kill_then_rerun_resumes_from_the_last_checkpoint(workdir):
    overrides = ["label=resume", "optim.epochs=400", "optim.updates_per_epoch=1", "generate.every=1000", "evaluate.every=1000"]
    command = DORA + ["run", "solver=expotion/debug", *overrides]
    log = workdir / "first_run.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(command, cwd=workdir, env=env_for(workdir), stdout=out, stderr=subprocess.STDOUT)
        deadline = time.time() + 300
        folder = None
        while time.time() < deadline and proc.poll() is None:
            text = log.read_text()
            if folder is None and "All XP logs are stored in" in text:
                folder = xp_folder(workdir, text)
            if folder is not None and (folder / "history.json").is_file():
                if len(json.loads((folder / "history.json").read_text() or "[]")) >= 3:
                    break
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert folder is not None, log.read_text()[-3000:]
    state = torch.load(folder / "checkpoint.th", map_location="cpu", weights_only=False)  # never corrupt
    done = len(state["history"])
    assert 1 <= done < 400
    second = subprocess.run(command, cwd=workdir, env=env_for(workdir), capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr[-4000:]
    output = second.stdout + second.stderr
    assert "Loading existing checkpoint" in output
    history = json.loads((folder / "history.json").read_text())
    assert len(history) == 400
    assert history[:done] == state["history"]  # the epochs before the kill were kept, not trained again


def test_export_of_the_debug_xp_loads_with_get_pretrained(workdir, tmp_path):
    run = dora_run(workdir, "label=e2e", "evaluate.expotion.use=true", "optim.ema.use=true",
                   "optim.ema.updates=1")  # already trained: restores (weights_only load) and returns
    assert run.returncode == 0, run.stderr[-4000:]
    folder = xp_folder(workdir, run.stderr + run.stdout)
    export = subprocess.run([sys.executable, "-m", "audiocraft_expotion.export", str(folder), str(tmp_path / "out")],
                            env=env_for(workdir), capture_output=True, text=True)
    assert export.returncode == 0, export.stderr[-3000:]
    from audiocraft_expotion.models.expotion_gen import ExpotionGen
    model = ExpotionGen.get_pretrained(str(tmp_path / "out"), device="cpu")
    best = torch.load(folder / "checkpoint.th", map_location="cpu", weights_only=False)["best_state"]["model"]
    assert torch.equal(model.lm.adaptor.gates.detach(), best["adaptor.gates"])
    assert not model.is_untrained
    model.set_generation_params(duration=1.0)
    audio = model.generate_with_video(["test"], face=(torch.randn(3, 768), 5.), motion=(torch.randn(20, 768), 40.))
    assert audio.shape[-1] == model.sample_rate


def test_export_refuses_a_missing_checkpoint(tmp_path):
    out = subprocess.run([sys.executable, "-m", "audiocraft_expotion.export", str(tmp_path), str(tmp_path / "o")],
                         env=env_for(tmp_path), capture_output=True, text=True)
    assert out.returncode == 1 and "no checkpoint" in out.stderr


def test_two_processes_keep_identical_weights_and_only_rank_zero_writes(workdir):
    run = dora_run(workdir, "label=ddp", "generate.every=1000", "evaluate.every=1000", ddp_workers=2)
    assert run.returncode == 0, (run.stdout + run.stderr)[-4000:]
    folder = xp_folder(workdir, run.stderr + run.stdout)
    rank1 = (folder / "worker_1.log").read_text()
    assert "Distributed init: 1/2" in rank1
    pattern = r"Trainable weights checksum (\S+) on 2 process"
    sums0, sums1 = re.findall(pattern, run.stderr + run.stdout), re.findall(pattern, rank1)
    assert len(sums0) == 2 and sums0 == sums1
    assert "Checkpoint saved to" in run.stdout + run.stderr and "Checkpoint saved to" not in rank1
    assert (folder / "checkpoint.th").is_file()


def test_ablation_grid_lists_the_six_paper_xps_without_slurm(workdir):
    out = subprocess.run(DORA + ["grid", "expotion_ablations", "--dry_run", "--init"], cwd=workdir,
                         env=env_for(workdir), capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    rows = re.findall(r"label=(\w+)\s+\S+\s+([0-9a-f]{8})", out.stdout)
    labels = [label for label, _ in rows]
    assert labels == ["face_generated", "raft_generic", "raft_generated", "synchformer_generic",
                      "synchformer_generated", "face_synchformer_generated"]
    assert len({sig for _, sig in rows}) == 6
