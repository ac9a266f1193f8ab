"""Cost of the condition adaptor: Expotion vs vanilla MusicGen with the same random-weight architecture.

Measured side by side in one process, the variants interleaved (order reversed every repeat)
after a warm-up round, on a preset (``tiny`` or ``musicgen_small_shape``):

- generate: greedy tokens with audiocraft's CFG, ``--seconds`` of tokens with a ``--video-seconds``
  video (T_p = video_seconds * frame rate; the prefix is computed once per window and counted),
  Expotion (gates 1) vs MusicGen holding exactly Expotion's frozen weights;
- train: one step (forward, cross-entropy, backward, AdamW step) of Expotion (adaptor trainable),
  of MusicGen fully trainable, and of MusicGen frozen (gradients flow to the token embeddings,
  through every frozen layer, as through Expotion's; its optimizer steps the embeddings with lr 0
  so its weights stay Expotion's).

Each figure is the median and [min, max] over ``--repeats``, in wall time and process CPU time;
ratios are taken per repeat (same round) before the median. For generation it also prints the
prefix stream's FLOPs and rate beside this machine's matrix product: what the one-time prefix adds
to the ratio even at full matrix speed (``prefix_share_at_gemm_rate``). The training floor is the
FLOP model of the design (the prefix stream through the L adapted layers, forward and input-gradient
backward, see :func:`flop_floor`). Optional ``--memory``: peak RSS of each phase in a fresh process;
``--profile``: torch.profiler's top operators (self device time on CUDA, self CPU time on CPU) of one
more run of each. The last line is JSON (``generate_ratio``, ``generate_ratio_range``,
``train_ratio_vs_frozen``, ``train_ratio_vs_floor``, ``train_ratio_vs_full``, ``trainable_fraction``,
``threads``, ``device``, and more). No assertion.

    python bench/adaptor_overhead.py --preset tiny --seconds 10 --repeats 3
    python bench/adaptor_overhead.py --preset musicgen_small_shape --seconds 2 --video-seconds 10 --phases generate
"""
import argparse
import ctypes
import gc
import json
import multiprocessing
import os
import statistics
import threading
import time
import typing as tp

import torch
from audiocraft.models import builders as audiocraft_builders
from audiocraft.modules.conditioners import ConditioningAttributes

from audiocraft_expotion.models.loaders import VisualSpec, load_fresh, with_expotion, without_expotion
from audiocraft_expotion.modules.conditions import FeatureSequence, VisualCondition, with_visual
from audiocraft_expotion.resources import load_preset
from audiocraft_expotion.utils.threads import configure_threads

PAGE = os.sysconf("SC_PAGE_SIZE")
KINDS = ("expotion", "vanilla_frozen", "vanilla_full")


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


class PeakRss:
    """Peak resident memory above the level at entry, sampled every 2 ms by a thread."""
    def __enter__(self) -> "PeakRss":
        self.base = self.peak = rss_bytes()
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self) -> None:
        while self.running:
            self.peak = max(self.peak, rss_bytes())
            time.sleep(0.002)

    def __exit__(self, *exc) -> None:
        self.running = False
        self.thread.join()

    @property
    def mib(self) -> float:
        return (self.peak - self.base) / 2 ** 20


def conditions(texts: tp.List[str], video_seconds: float, with_video: bool) -> tp.List[ConditioningAttributes]:
    """Text attributes, plus MARLIN-like (5 fps) and Synchformer-like (24 fps) features of ``video_seconds``."""
    attributes = [ConditioningAttributes(text={"description": t}) for t in texts]
    if not with_video:
        return attributes
    face = FeatureSequence.single(torch.randn(round(5 * video_seconds), 768), 5.)
    motion = FeatureSequence.single(torch.randn(round(24 * video_seconds), 768), 24.)
    return [with_visual(a, "visual", VisualCondition(face=face, motion=motion)) for a in attributes]


def build(preset: str, kind: str, device: str, layers: tp.Optional[int], base=None):
    """``kind``: expotion (gates 1), vanilla_full (all weights trainable) or vanilla_frozen.

    With ``base`` (an Expotion LM), a vanilla model gets exactly its frozen weights. Every model is
    float32 on every device (the ratios compare the same arithmetic).
    """
    torch.manual_seed(0)
    if kind == "expotion":
        expotion, _ = load_fresh(preset, device, VisualSpec(adaptor_layers=layers))
        expotion.float()
        with torch.no_grad():
            expotion.adaptor.gates.fill_(1.)
        return expotion.eval()
    cfg = with_expotion(load_preset(preset), VisualSpec())
    cfg.device, cfg.dtype = device, "float32"
    vanilla = audiocraft_builders.get_lm_model(without_expotion(cfg))
    if base is not None:
        vanilla.load_state_dict({k: v for k, v in base.state_dict().items() if not base.is_trainable(k)})
    for p in vanilla.parameters():
        p.requires_grad_(kind == "vanilla_full")
    return vanilla.eval()


def frame_rate(model) -> int:
    return 25 if model.card == 400 else 50  # the debug codec (tiny) or MusicGen's EnCodec


class Trainer:
    """One training step of a model: forward, cross-entropy, backward, AdamW step."""
    def __init__(self, model, kind: str, codes: torch.Tensor, attributes):
        self.model, self.codes, self.attributes = model, codes, attributes
        if kind == "vanilla_frozen":  # gradients flow through every frozen layer to the embeddings
            params, lr = [emb.weight for emb in model.emb], 0.
        else:
            params, lr = [p for p in model.parameters() if p.requires_grad], 1e-5
        for p in params:
            p.requires_grad_(True)
        self.optimizer = torch.optim.AdamW(params, lr=lr)

    def __call__(self) -> None:
        out = self.model.compute_predictions(self.codes, self.attributes)
        torch.nn.functional.cross_entropy(out.logits[out.mask], self.codes[out.mask]).backward()
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)


class PrefixClock:
    """Wraps an adaptor's ``prefix_stream`` to add up its wall time (the one-time prefix of each window)."""
    def __init__(self, adaptor):
        self.stream, self.seconds = adaptor.prefix_stream, 0.
        adaptor.prefix_stream = self

    def __call__(self, *args):
        start = time.perf_counter()
        try:
            return self.stream(*args)
        finally:
            self.seconds += time.perf_counter() - start


def phases(model, kind: str, args) -> tp.Dict[str, tp.Callable[[], None]]:
    video = kind == "expotion"
    rate = frame_rate(model)
    attrs = conditions(["an upbeat pop song with drums and bass"], args.video_seconds, video)
    train_attrs = conditions(["an upbeat pop song"] * 2, args.train_seconds, video)
    codes = torch.randint(0, model.card, (2, model.num_codebooks, round(args.train_seconds * rate)),
                          device=args.device)

    def generate() -> None:
        with torch.no_grad():
            model.generate(None, attrs, max_gen_len=round(args.seconds * rate), use_sampling=False)
    return {"generate": generate, "train": Trainer(model, kind, codes, train_attrs)}


def timed(fn: tp.Callable[[], None], device: str) -> tp.Tuple[float, float]:
    """``(wall, process CPU)`` seconds of one call."""
    sync = torch.cuda.synchronize if torch.device(device).type == "cuda" else (lambda: None)
    sync()
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    sync()
    return time.perf_counter() - wall, time.process_time() - cpu


def flop_floor(model, train_seconds: float) -> float:
    """FLOP model of an Expotion training step over a frozen MusicGen step (both backprop to their inputs).

    Per position and layer, the audio stream costs ``A`` (self-attention projections, feed-forward,
    cross-attention query / output) and the prefix stream ``P`` (the same without cross-attention).
    Frozen MusicGen: forward ``N A`` + input-gradient backward ``N A``. Expotion with L adapted layers
    and as many prefix positions as audio ones: forward ``N A + L P``, backward through the audio
    stream down to the first adapted layer ``L A`` and through the prefix ``L P``. Output heads
    (``H``) are in both. Attention scores are counted (T^2 terms); embeddings and norms are not.
    """
    d, layers, hidden = model.dim, len(model.transformer.layers), model.transformer.layers[0].linear1.out_features
    T = round(train_seconds * frame_rate(model))
    adapted = model.adaptor.num_layers
    audio = T * (6 * d * d + 2 * d * hidden) + T * T * d  # per layer: QKV, out, cross q/out, FFN; causal scores
    prefix = T * (4 * d * d + 2 * d * hidden) + 2 * T * T * d  # per layer: QKV, out, FFN; full scores
    prefix += 2 * T * T * d  # the audio stream's attention on the T prefix keys
    heads = T * model.num_codebooks * d * model.card
    frozen = 2 * (layers * audio + heads)
    expotion = layers * audio + adapted * audio + 2 * adapted * prefix + 2 * heads
    return expotion / frozen


def profile_table(fn: tp.Callable[[], None], device: str, rows: int = 12) -> str:
    """torch.profiler's operators of one call of ``fn``, by self device time (CUDA) or self CPU time."""
    activities = [torch.profiler.ProfilerActivity.CPU]
    cuda = torch.device(device).type == "cuda"
    if cuda:
        activities.append(torch.profiler.ProfilerActivity.CUDA)
    with torch.profiler.profile(activities=activities) as profiler:
        fn()
        if cuda:
            torch.cuda.synchronize()
    key = "self_cuda_time_total" if cuda else "self_cpu_time_total"
    return profiler.key_averages().table(sort_by=key, row_limit=rows)


def prefix_flops(model, frames: int) -> float:
    """FLOPs of the one-time prefix stream over ``frames`` positions (one distinct video): per adapted layer
    W_e, the QKV projection and, except in the last layer (whose prefix output is unused), the
    attention scores, output projection and feed-forward."""
    d, hidden = model.dim, model.transformer.layers[0].linear1.out_features
    joint = model.adaptor.joint_proj[0].in_features
    per_layer = 2 * frames * joint * d + 2 * frames * d * 3 * d
    full_layer = per_layer + 4 * frames * frames * d + 2 * frames * d * d + 4 * frames * d * hidden
    return (model.adaptor.num_layers - 1) * full_layer + per_layer


def gemm_rate(model, frames: int, device: str, repeats: int = 5) -> float:
    """FLOP/s of this machine's matrix product at the prefix's largest shape (``[T, d] @ [d, 4d]``), best of ``repeats``."""
    d, hidden = model.dim, model.transformer.layers[0].linear1.out_features
    a, b = torch.randn(frames, d, device=device), torch.randn(d, hidden, device=device)
    best = min(timed(lambda: torch.mm(a, b), device)[0] for _ in range(repeats))
    return 2 * frames * d * hidden / best


def child_peak_memory(kind: str, phase: str, args) -> float:
    """Run in a fresh process: peak extra RSS (MiB) of one phase after building the model."""
    configure_threads(args.threads)
    model = build(args.preset, kind, args.device, args.layers)
    fn = phases(model, kind, args)[phase]
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)  # return freed build memory, so the phase's growth shows
    with PeakRss() as memory:
        fn()
    return memory.mib


def spread(values: tp.List[float]) -> str:
    return f"{statistics.median(values):7.3f} [{min(values):.3f}, {max(values):.3f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="tiny")
    parser.add_argument("--seconds", type=float, default=10., help="seconds of tokens generated per run")
    parser.add_argument("--video-seconds", type=float, default=None, help="video length (default: --seconds)")
    parser.add_argument("--train-seconds", type=float, default=2., help="clip length of the training step")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--layers", type=int, default=None, help="adapted layers L (default: all)")
    parser.add_argument("--phases", nargs="+", default=["generate", "train"], choices=["generate", "train"])
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: measured best)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--memory", action="store_true", help="also measure peak RSS per phase (fresh processes)")
    parser.add_argument("--profile", action="store_true", help="also print the top operators of one run of each")
    args = parser.parse_args()
    args.video_seconds = args.seconds if args.video_seconds is None else args.video_seconds
    threads = configure_threads(args.threads)
    expotion = build(args.preset, "expotion", args.device, args.layers)
    models = {"expotion": expotion, "vanilla_frozen": build(args.preset, "vanilla_frozen", args.device, None, expotion)}
    if "train" in args.phases:
        models["vanilla_full"] = build(args.preset, "vanilla_full", args.device, None, expotion)
    runs = {kind: phases(model, kind, args) for kind, model in models.items()}
    prefix_clock = PrefixClock(expotion.adaptor)
    prefix_seconds: tp.List[float] = []
    # generation uses the frozen vanilla model (Expotion's exact weights; its train step does not change them)
    plan = [(phase, kind) for phase in args.phases for kind in models if phase == "train" or kind != "vanilla_full"]
    times: tp.Dict[tp.Tuple[str, str], tp.List[tp.Tuple[float, float]]] = {}
    load = os.getloadavg()[0]
    for repeat in range(args.repeats + 1):  # round 0 warms up and is not counted
        for phase, kind in (plan if repeat % 2 else plan[::-1]):
            prefix_clock.seconds = 0.
            elapsed = timed(runs[kind][phase], args.device)
            if repeat:
                times.setdefault((phase, kind), []).append(elapsed)
                if (phase, kind) == ("generate", "expotion"):
                    prefix_seconds.append(prefix_clock.seconds)
    load = max(load, os.getloadavg()[0])

    counts = expotion.parameter_counts()
    print(f"preset {args.preset}, {args.device}, torch {torch.__version__}, {threads} threads, "
          f"{args.repeats} interleaved repeats after a warm-up, load average up to {load:.1f} on "
          f"{os.cpu_count()} CPUs; median [min, max]")
    print(f"parameters: {counts['trainable']:,} trainable of {counts['total']:,} "
          f"({counts['trainable_percent']:.2f} %), adaptor on {expotion.adaptor.num_layers} of "
          f"{len(expotion.transformer.layers)} layers")
    for (phase, kind), values in times.items():
        print(f"{phase:9s} {kind:15s} wall {spread([w for w, _ in values])} s   "
              f"cpu {spread([c for _, c in values])} s")

    def ratios(phase: str, reference: str, clock: int = 0) -> tp.List[float]:
        """Per-repeat ratios of Expotion to ``reference``, in wall (``clock`` 0) or process CPU (1) time."""
        return [e[clock] / r[clock] for e, r in zip(times[(phase, "expotion")], times[(phase, reference)])]
    result: tp.Dict[str, tp.Any] = {"threads": threads, "device": args.device,
                                    "trainable_fraction": counts["trainable"] / counts["total"]}
    if "generate" in args.phases:
        gen, gen_cpu = ratios("generate", "vanilla_frozen"), ratios("generate", "vanilla_frozen", 1)
        print(f"generate {args.seconds:g} s (video {args.video_seconds:g} s): Expotion / MusicGen wall {spread(gen)}"
              f"  cpu {spread(gen_cpu)}")
        decode = [(e[0] - p) / r[0] for e, r, p in zip(times[("generate", "expotion")],
                                                        times[("generate", "vanilla_frozen")], prefix_seconds)]
        print(f"  of which the one-time prefix stream: {spread(prefix_seconds)} s wall; "
              f"ratio without it {spread(decode)}")
        frames = round(args.video_seconds * frame_rate(expotion))
        flops, rate = prefix_flops(expotion, frames), gemm_rate(expotion, frames, args.device)
        vanilla = statistics.median(w for w, _ in times[("generate", "vanilla_frozen")])
        print(f"  prefix stream: {flops / 1e9:.2f} GFLOP at {flops / statistics.median(prefix_seconds) / 1e9:.1f} "
              f"GFLOP/s; this machine's matrix product {rate / 1e9:.1f} GFLOP/s, at which the prefix alone "
              f"adds {flops / rate / vanilla:.3f} to the ratio")
        result.update(generate_ratio=statistics.median(gen), generate_ratio_range=[min(gen), max(gen)],
                      generate_ratio_cpu=statistics.median(gen_cpu),
                      generate_ratio_without_prefix=statistics.median(decode),
                      prefix_share_at_gemm_rate=flops / rate / vanilla)
    if "train" in args.phases:
        floor = flop_floor(expotion, args.train_seconds)
        vs_frozen, vs_full = ratios("train", "vanilla_frozen"), ratios("train", "vanilla_full")
        vs_frozen_cpu = ratios("train", "vanilla_frozen", 1)
        print(f"train step 2 x {args.train_seconds:g} s: Expotion / frozen MusicGen wall {spread(vs_frozen)} "
              f"cpu {spread(vs_frozen_cpu)} (FLOP floor {floor:.3f}), / fully trained MusicGen wall {spread(vs_full)}")
        result.update(train_ratio_vs_frozen=statistics.median(vs_frozen),
                      train_ratio_vs_floor=statistics.median(vs_frozen) / floor,
                      train_ratio_vs_floor_cpu=statistics.median(vs_frozen_cpu) / floor,
                      train_ratio_vs_full=statistics.median(vs_full), train_floor=floor)
    if args.profile:
        for phase, kind in plan:
            print(f"profile {phase} {kind}:\n{profile_table(runs[kind][phase], args.device)}")
    if args.memory:
        context = multiprocessing.get_context("spawn")
        with context.Pool(1, maxtasksperchild=1) as pool:
            for phase, kind in plan:
                mib = pool.apply(child_peak_memory, (kind, phase, args))
                print(f"peak memory {phase:9s} {kind:15s} {mib:8.0f} MiB")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
