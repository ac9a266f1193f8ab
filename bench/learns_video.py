"""Proof that the adaptor learns from the video: held-out cross-entropy with the matching vs a mismatched video.

For each seed: synthetic clips whose music is a function of the video over time (a drum hit wherever
the picture moves, silence otherwise; the motion features are the picture's motion, frame by
frame), built into a dataset by ``build_manifest``; the tiny preset's adaptor trained on CPU through
the real path (``dora run solver=expotion/smoke expotion.data=...``: dataset -> ExpotionSolver ->
checkpoint), exported with ``audiocraft_expotion.export``; then the cross-entropy of the held-out
clips' tokens (audiocraft's MusicGen loss, per codebook, averaged) with their own video, and with
another held-out clip's video (same statistics, other times). A model that uses the video gives a
lower CE with the matching video: ``gap = ce_mismatched - ce_matched > 0``.

    python bench/learns_video.py [--seeds 0 1 2] [--updates 200] [--clips 40] [--out DIR]

Last printed line: JSON ``{"ce_matched", "ce_mismatched", "gaps": [per seed], "seconds", ...}``
(the CEs are means over seeds). No assertion; ``tests/solvers/test_learns_video.py`` runs a short
version. :func:`train_on_synthetic_clips` is the training step alone (returns the exported model).
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import typing as tp
from pathlib import Path

import numpy as np
import soundfile
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audiocraft_expotion.data.build_manifest import build_manifest  # noqa: E402
from audiocraft_expotion.data.feature_io import FeatureFile, feature_file_name, save_features  # noqa: E402
from audiocraft_expotion.data.video_music_dataset import build_expotion_dataset  # noqa: E402
from audiocraft_expotion.export import export  # noqa: E402
from audiocraft_expotion.models.loaders import load_checkpoint  # noqa: E402

SAMPLE_RATE = 32000
FPS = 25.0           # motion features at the debug codec's token rate
MOTION_DIM = 8
EXTRACTOR = "picture_motion"
BURST_SECONDS = 0.16  # 4 token frames
MIN_GAP = 0.4         # seconds between bursts


def movement_times(duration: float, rng: np.random.Generator) -> np.ndarray:
    """Random times (s) where the picture moves: about 1.5 per second, at least MIN_GAP apart."""
    times, t = [], rng.uniform(0.05, 0.5)
    while t < duration - BURST_SECONDS:
        times.append(t)
        t += MIN_GAP + rng.exponential(0.3)
    return np.array(times)


def write_clip(out: Path, name: str, duration: float, rng: np.random.Generator) -> None:
    """Audio: a loud noise burst (a drum hit) while the picture moves, silence elsewhere (the debug
    codec's random quantizers only tell loud broadband sound from silence). Motion features ``[T, 8]``
    at 25 fps: channel 0 is 1 while the picture moves, the others are small noise."""
    times = movement_times(duration, rng)
    t = np.arange(int(duration * SAMPLE_RATE)) / SAMPLE_RATE
    wav = np.zeros_like(t)
    for start in times:
        on = (t >= start) & (t < start + BURST_SECONDS)
        wav[on] = rng.uniform(-0.95, 0.95, int(on.sum()))
    (out / "clips").mkdir(parents=True, exist_ok=True)
    soundfile.write(out / "clips" / f"{name}.wav", wav.astype(np.float32), SAMPLE_RATE, subtype="FLOAT")
    frames = np.arange(math.ceil(duration * FPS)) / FPS
    features = 0.05 * rng.standard_normal((len(frames), MOTION_DIM))
    features[:, 0] = [float(any(s - 0.5 / FPS <= f < s + BURST_SECONDS for s in times)) for f in frames]
    save_features(out / "features" / feature_file_name(name, EXTRACTOR),
                  FeatureFile(features.astype(np.float32), FPS, meta={"extractor": EXTRACTOR, "version": "1",
                                                                      "modality": "motion", "synthetic": True}))


def make_dataset(out: Path, clips: int, duration: float, seed: int) -> Path:
    """``clips`` clips and their features under ``out``; the dataset in ``out/data`` (build_manifest's
    automatic splits: 10 % of the clips held out for valid / evaluate / generate)."""
    rng = np.random.default_rng(seed)
    for i in range(clips):
        write_clip(out, f"clip{i:03d}", duration, rng)
    build_manifest(out / "clips", out / "features", out / "data", seed=seed)
    return out / "data"


def train_on_synthetic_clips(data: Path, xp_dir: Path, export_dir: Path, seed: int = 0, updates: int = 200,
                             epochs: int = 4, segment: float = 2.0, batch_size: int = 4) -> Path:
    """Train the tiny preset's adaptor on ``data`` with ``dora run solver=expotion/smoke`` (in a
    subprocess, XPs under ``xp_dir``), export the last state to ``export_dir``; returns ``export_dir``."""
    env = dict(os.environ, EXPOTION_XP_DIR=str(xp_dir), HF_HUB_OFFLINE="1",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    env.pop("AUDIOCRAFT_DORA_DIR", None)
    overrides = [f"expotion.data={data}", f"seed={seed}", f"optim.epochs={epochs}",
                 f"optim.updates_per_epoch={max(1, updates // epochs)}", f"dataset.segment_duration={segment}",
                 f"dataset.batch_size={batch_size}",
                 f"+dataset.train.num_samples={batch_size * max(1, updates // epochs)}",
                 "generate.every=1000", "evaluate.every=1000", f"label=learns_video_{seed}"]
    run = subprocess.run([sys.executable, "-m", "dora", "-P", "audiocraft_expotion", "run", "solver=expotion/smoke",
                          *overrides], env=env, cwd=xp_dir.parent, capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(f"training failed:\n{(run.stdout + run.stderr)[-4000:]}")
    folders = [p.parent for p in (xp_dir / "xps").glob("*/checkpoint.th")]
    folder = max(folders, key=lambda p: p.stat().st_mtime)
    export(str(folder), export_dir, use_best=False)
    return export_dir


@torch.no_grad()
def held_out_ces(model_dir: Path, data: Path, shifts: tp.Sequence[int]) -> tp.List[float]:
    """Mean CE (nats) of the held-out clips' tokens, each with the video of the clip ``shift`` places
    further in the split (0: its own), one per shift; the model and clips are loaded and encoded once."""
    lm, compression, _ = load_checkpoint(model_dir, "cpu")
    lm.eval()
    dataset = build_expotion_dataset(data / "valid", segment_duration=None, sample_rate=SAMPLE_RATE, channels=1,
                                     modalities=list(lm.cfg.expotion.modalities), prompt="generic",
                                     face_extractor=None, motion_extractor=EXTRACTOR, shuffle=False)
    items = [dataset[i] for i in range(len(dataset.meta))]
    if any(shift % len(items) == 0 and shift for shift in shifts):
        raise ValueError(f"{data / 'valid'}: {len(items)} held-out clip(s) cannot give another clip's video "
                         "(use --clips 15 or more: 10 % are held out).")
    visuals = [info.visual for _, info in items]
    tokens = [compression.encode(wav[None])[0] for wav, _ in items]
    means = []
    for shift in shifts:
        losses = []
        for index, ((_, info), codes) in enumerate(zip(items, tokens)):
            info.visual = visuals[(index + shift) % len(items)]
            attributes = [info.to_condition_attributes()]
            conditions = lm.condition_provider(lm.condition_provider.tokenize(attributes))
            output = lm.compute_predictions(codes, [], conditions)
            mask = output.mask
            ce = [F.cross_entropy(output.logits[:, k][mask[:, k]], codes[:, k][mask[:, k]])
                  for k in range(codes.shape[1])]
            losses.append(float(torch.stack(ce).mean()))
        means.append(float(np.mean(losses)))
    return means


def run_seed(work: Path, seed: int, clips: int, duration: float, updates: int) -> tp.Dict[str, float]:
    data = make_dataset(work / f"seed{seed}", clips, duration, seed)
    model = train_on_synthetic_clips(data, work / "xps", work / f"export{seed}", seed, updates)
    matched, mismatched = held_out_ces(model, data, (0, 1))
    return {"ce_matched": matched, "ce_mismatched": mismatched, "gap": mismatched - matched}


def main(argv: tp.Optional[tp.Sequence[str]] = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--clips", type=int, default=40, help="clips per seed (10 %% held out)")
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per clip")
    parser.add_argument("--updates", type=int, default=200, help="training updates per seed")
    parser.add_argument("--out", type=Path, default=None, help="work folder (default: a temporary one)")
    args = parser.parse_args(argv)
    start = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        work = (args.out or Path(tmp)).absolute()
        results = []
        for seed in args.seeds:
            result = run_seed(work, seed, args.clips, args.duration, args.updates)
            print(f"seed {seed}: CE matched {result['ce_matched']:.4f}, mismatched {result['ce_mismatched']:.4f}, "
                  f"gap {result['gap']:+.4f}", flush=True)
            results.append(result)
    summary = {"ce_matched": float(np.mean([r["ce_matched"] for r in results])),
               "ce_mismatched": float(np.mean([r["ce_mismatched"] for r in results])),
               "gaps": [r["gap"] for r in results], "seconds": round(time.time() - start, 1),
               "seeds": list(args.seeds), "updates": args.updates, "clips": args.clips}
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
