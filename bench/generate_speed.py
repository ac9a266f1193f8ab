"""Generation speed and memory against vanilla MusicGen, per video length.

1. ``tiny`` preset, whole model (LM tokens + codec decoding), for each length in ``--lengths``
   (default 10, 60, 120, 300 s): ExpotionGen with a video, and audiocraft's own ``MusicGen`` holding the
   same frozen weights (the vanilla baseline: same window and stride, its one-shot codec decoding).
   Each (model, length) runs in a fresh process (``--repeats`` runs, default 3) so that its peak
   resident memory (RSS) is its own; the table gives the median and [min, max] time per second of
   audio and the peak RSS. Windowed generation must be linear in time and, with chunked codec
   decoding, flat in memory.
2. MusicGen-small-shaped random-weight LM (preset ``musicgen_small_shape``, 300M, LM only):
   ``lm.generate`` for ``--small-seconds`` of tokens at 50 Hz with CFG, Expotion vs vanilla, interleaved
   (``--small-seconds 0`` skips it).

Adaptor gates are set to 1 so the visual branch is really computed, as in a trained model. Random
features stand in for a video (face 317 dims, motion 21 dims @ 10 fps: the default offline extractors).
Prints tables; no assertion.

    python bench/generate_speed.py [--lengths 10 60 120 300] [--repeats 3] [--small-seconds 2] [--device cpu]
        [--threads N]
"""
import argparse
import json
import statistics
import subprocess
import sys
import typing as tp

import torch
from audiocraft.models import builders as audiocraft_builders
from audiocraft.models.musicgen import MusicGen
from audiocraft.modules.conditioners import ConditioningAttributes

from audiocraft_expotion.models.expotion_gen import ExpotionGen
from audiocraft_expotion.models.loaders import VisualSpec, load_fresh, without_expotion
from audiocraft_expotion.modules.conditions import FeatureSequence, VisualCondition, with_visual
from audiocraft_expotion.utils.threads import configure_threads
from adaptor_overhead import timed  # bench/ is the script's folder: one timing rule (device synchronised)

FEATURE_FPS = 10.
SPEC = VisualSpec(face_dim=317, motion_dim=21)
PROMPT = "upbeat jazz"
KINDS = ("vanilla", "expotion")


def random_features(seconds: float, dim: int) -> tp.Tuple[torch.Tensor, float]:
    """``([T, dim], fps)`` random features covering ``seconds``."""
    return torch.randn(round(seconds * FEATURE_FPS), dim), FEATURE_FPS


def vanilla_lm(lm):
    """audiocraft's own LMModel holding exactly the frozen MusicGen weights of an ExpotionLM."""
    vanilla = audiocraft_builders.get_lm_model(without_expotion(lm.cfg)).to(next(lm.parameters()).device).eval()
    vanilla.load_state_dict({k: v for k, v in lm.state_dict().items() if not lm.is_trainable(k)})
    return vanilla


def reset_peak_rss() -> None:
    """Reset the process's peak RSS (Linux ``VmHWM``) so that it measures what follows, not model loading."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def peak_rss_mib() -> float:
    """Peak resident memory since :func:`reset_peak_rss` (``VmHWM``), in MiB."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024


def worker(kind: str, length: float, repeats: int, device: str) -> tp.Dict[str, tp.Any]:
    """Run ``repeats`` generations of ``length`` seconds in this process; times and peak RSS."""
    model = ExpotionGen.get_pretrained("tiny", device=device, spec=SPEC)
    model.lm.adaptor.gates.data.fill_(1.)
    stride = model.window_length / model.frame_rate / 2
    if kind == "vanilla":
        model = MusicGen(model.name, model.compression_model, vanilla_lm(model.lm), max_duration=30.)
        model.max_duration = 2 * stride  # after __init__, whose default extend_stride (18 s) needs 30 s
    model.set_generation_params(duration=length, extend_stride=stride)
    face, motion = random_features(length, SPEC.face_dim), random_features(length, SPEC.motion_dim)
    reset_peak_rss()
    rss_loaded = peak_rss_mib()
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    times, outputs = [], []
    for _ in range(repeats):
        if kind == "vanilla":
            times.append(timed(lambda: outputs.append(model.generate([PROMPT])), device)[0])
        else:
            times.append(timed(lambda: outputs.append(model.generate_with_video([PROMPT], face=face, motion=motion)),
                               device)[0])
    audio = outputs[-1]
    gpu = torch.cuda.max_memory_allocated() / 2 ** 20 if device.startswith("cuda") else None
    return {"seconds": times, "rss_loaded_mib": rss_loaded, "rss_peak_mib": peak_rss_mib(), "gpu_peak_mib": gpu,
            "samples": int(audio.shape[-1])}


def run_worker(kind: str, length: float, args: argparse.Namespace) -> tp.Dict[str, tp.Any]:
    command = [sys.executable, __file__, "--worker", kind, "--lengths", str(length), "--repeats", str(args.repeats),
               "--device", args.device] + ([] if args.threads is None else ["--threads", str(args.threads)])
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def time_small_lm(device: str, seconds: float, repeats: int) -> tp.Dict[str, tp.List[float]]:
    """Seconds of compute for ``seconds`` of tokens, Expotion vs vanilla LM, interleaved repeats."""
    lm, _ = load_fresh("musicgen_small_shape", device, VisualSpec())
    lm.eval()
    lm.adaptor.gates.data.fill_(1.)
    models = {"vanilla": vanilla_lm(lm), "expotion": lm}
    face, fps = random_features(seconds, 768)
    visual = VisualCondition(face=FeatureSequence.single(face, fps), motion=FeatureSequence.single(face, fps))
    text = ConditioningAttributes(text={"description": PROMPT})
    attributes = {"vanilla": [text], "expotion": [with_visual(text, lm.visual_condition, visual)]}
    steps = round(seconds * 50)
    times: tp.Dict[str, tp.List[float]] = {kind: [] for kind in KINDS}
    for kind in KINDS:  # warm-up
        models[kind].generate(None, attributes[kind], max_gen_len=4, cfg_coef=3.)
    for _ in range(repeats):
        for kind in KINDS:
            torch.manual_seed(0)
            times[kind].append(timed(lambda: models[kind].generate(None, attributes[kind], max_gen_len=steps,
                                                                   use_sampling=True, top_k=250, cfg_coef=3.),
                                     device)[0])
    return times


def spread(values: tp.Sequence[float]) -> str:
    return f"{statistics.median(values):.3f} [{min(values):.3f}, {max(values):.3f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lengths", type=float, nargs="+", default=[10., 60., 120., 300.], help="video lengths (s)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per model and length (>= 3 for a spread)")
    parser.add_argument("--small-seconds", type=float, default=2.,
                        help="audio seconds for the small-shape LM (0: skip)")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: the decoding best)")
    parser.add_argument("--worker", choices=KINDS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    threads = configure_threads(args.threads)
    if args.worker:
        print(json.dumps(worker(args.worker, args.lengths[0], args.repeats, args.device)))
        return
    print(f"device: {args.device}, torch threads: {threads}, repeats: {args.repeats}")
    print("tiny preset, LM + codec; s / audio s: median [min, max] of the repeats; RSS: resident memory of the "
          "process with the model loaded, and its peak while generating (Linux VmHWM)")
    print(f"{'model':<10}{'video s':>8}{'s / audio s':>26}{'RTF':>7}{'RSS loaded MiB':>16}{'RSS peak MiB':>14}"
          f"{'GPU peak MiB':>14}")
    for length in args.lengths:
        for kind in KINDS:
            result = run_worker(kind, length, args)
            per_second = [t / length for t in result["seconds"]]
            gpu = "-" if result["gpu_peak_mib"] is None else f"{result['gpu_peak_mib']:.0f}"
            print(f"{kind:<10}{length:>8g}{spread(per_second):>26}{1 / statistics.median(per_second):>7.2f}"
                  f"{result['rss_loaded_mib']:>16.0f}{result['rss_peak_mib']:>14.0f}{gpu:>14}", flush=True)
    if args.small_seconds > 0:
        times = time_small_lm(args.device, args.small_seconds, args.repeats)
        print(f"musicgen_small_shape LM, {args.small_seconds:g} s of tokens with CFG: seconds, median [min, max]")
        for kind in KINDS:
            print(f"  {kind:<10}{spread(times[kind])}")
        ratios = [e / v for e, v in zip(times["expotion"], times["vanilla"])]
        print(f"  ratio     {spread(ratios)}")
    print("RTF: seconds of audio per second of compute (> 1: faster than real time).")


if __name__ == "__main__":
    main()
