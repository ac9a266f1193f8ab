"""Cost of the condition adaptor: Expotion vs vanilla MusicGen with the same random-weight architecture.

Times are measured side by side in one process, alternating the two models after a warm-up, on
the preset given (default: MusicGen-small shape, 24 layers, d=1024): generation of a few seconds
of audio (greedy tokens, audiocraft's CFG) and one training step (forward + backward,
cross-entropy) of Expotion (adaptor trainable) vs the same MusicGen (a) fully trainable and
(b) frozen (gradients flow to the input only, as through Expotion's frozen layers). Peak memory of
each phase is measured in a fresh child process (RSS above the level after building the model).
Gates are set to 1 so the adaptor's branch is really computed. Prints a table; no assertion.

    python bench/adaptor_overhead.py [--preset musicgen_small_shape] [--seconds 3] [--repeats 2]
"""
import argparse
import ctypes
import gc
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
from audiocraft_expotion.resources import load_preset
from audiocraft_expotion.modules.conditions import FeatureSequence, VisualCondition, with_visual

PAGE = os.sysconf("SC_PAGE_SIZE")


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


def timed(fn: tp.Callable[[], tp.Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def conditions(texts: tp.List[str], seconds: float, with_video: bool) -> tp.List[ConditioningAttributes]:
    attributes = [ConditioningAttributes(text={"description": t}) for t in texts]
    if not with_video:
        return attributes
    face = FeatureSequence.single(torch.randn(int(5 * seconds), 768), 5.)
    motion = FeatureSequence.single(torch.randn(int(24 * seconds), 768), 24.)
    return [with_visual(a, "visual", VisualCondition(face=face, motion=motion)) for a in attributes]


def train_step(model, codes: torch.Tensor, attributes, input_grad: bool = False) -> None:
    """One cross-entropy forward + backward; ``input_grad`` makes gradients flow through a frozen model."""
    embeddings = None
    if input_grad:  # frozen MusicGen: backprop to the token embeddings' output only
        embeddings = [emb.weight for emb in model.emb]
        for weight in embeddings:
            weight.requires_grad_(True)
    out = model.compute_predictions(codes, attributes)
    torch.nn.functional.cross_entropy(out.logits[out.mask], codes[out.mask]).backward()
    model.zero_grad(set_to_none=True)
    for weight in embeddings or []:
        weight.requires_grad_(False)


def build(preset: str, kind: str, base=None):
    """``kind``: expotion (gates 1), vanilla_full (all weights trainable) or vanilla_frozen.

    With ``base`` (an Expotion LM), a vanilla model gets exactly its frozen weights.
    """
    torch.manual_seed(0)
    if kind == "expotion":
        expotion, _ = load_fresh(preset, "cpu")
        with torch.no_grad():
            expotion.adaptor.gates.fill_(1.)
        return expotion.eval()
    cfg = with_expotion(load_preset(preset), VisualSpec())
    cfg.device, cfg.dtype = "cpu", "float32"
    vanilla = audiocraft_builders.get_lm_model(without_expotion(cfg))
    if base is not None:
        vanilla.load_state_dict({k: v for k, v in base.state_dict().items() if not base.is_trainable(k)})
    for p in vanilla.parameters():
        p.requires_grad_(kind == "vanilla_full")
    return vanilla.eval()


def phases(model, kind: str, args) -> tp.Dict[str, tp.Callable[[], None]]:
    video = kind == "expotion"
    frame_rate = 25 if model.card == 400 else 50
    steps = int(args.seconds * frame_rate)
    attrs = conditions(["an upbeat pop song with drums and bass"], args.seconds, video)
    train_attrs = conditions(["an upbeat pop song"] * 2, args.train_seconds, video)
    codes = torch.randint(0, model.card, (2, model.num_codebooks, int(args.train_seconds * frame_rate)))

    def generate() -> None:
        with torch.no_grad():
            model.generate(None, attrs, max_gen_len=steps, use_sampling=False)
    return {"generate": generate,
            "train": lambda: train_step(model, codes, train_attrs, input_grad=kind == "vanilla_frozen")}


def child_peak_memory(preset: str, kind: str, phase: str, args) -> float:
    """Run in a fresh process: peak extra RSS (MiB) of one phase after building the model."""
    model = build(preset, kind)
    fn = phases(model, kind, args)[phase]
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)  # return freed build memory, so the phase's growth shows
    with PeakRss() as memory:
        fn()
    return memory.mib


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="musicgen_small_shape")
    parser.add_argument("--seconds", type=float, default=3.0, help="audio generated per run")
    parser.add_argument("--train-seconds", type=float, default=2.0, help="clip length of the training step")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    kinds = ("vanilla_full", "vanilla_frozen", "expotion")
    expotion = build(args.preset, "expotion")
    models = {kind: expotion if kind == "expotion" else build(args.preset, kind, base=expotion) for kind in kinds}
    runs = {kind: phases(models[kind], kind, args) for kind in kinds}
    times: tp.Dict[tp.Tuple[str, str], tp.List[float]] = {}
    for repeat in range(args.repeats + 1):  # the first round warms up and is not counted
        for phase in ("generate", "train"):
            for kind in kinds:
                if phase == "generate" and kind == "vanilla_frozen":
                    continue  # generation is the same for both vanilla variants
                elapsed = timed(runs[kind][phase])
                if repeat:
                    times.setdefault((kind, phase), []).append(elapsed)
    context = multiprocessing.get_context("spawn")
    with context.Pool(1, maxtasksperchild=1) as pool:
        memory = {(kind, phase): pool.apply(child_peak_memory, (args.preset, kind, phase, args))
                  for (kind, phase) in times}
    counts = models["expotion"].parameter_counts()
    print(f"preset {args.preset}, CPU, torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"median of {args.repeats} runs after a warm-up")
    print(f"parameters: {counts['trainable']:,} trainable of {counts['total']:,} "
          f"({counts['trainable_percent']:.2f} %), adaptor on {models['expotion'].adaptor.num_layers} layers")
    print(f"{'phase':44s} {'time':>9s} {'peak mem':>10s} {'time ratio':>11s} {'mem ratio':>10s}")
    for phase, reference in (("generate", "vanilla_full"), ("train", "vanilla_full"), ("train", "vanilla_frozen")):
        ref_t, ref_m = statistics.median(times[(reference, phase)]), memory[(reference, phase)]
        exp_t, exp_m = statistics.median(times[("expotion", phase)]), memory[("expotion", phase)]
        label = {"generate": f"generate {args.seconds:g} s", "train": f"train step 2 x {args.train_seconds:g} s"}[phase]
        ref_name = "MusicGen" if phase == "generate" else reference.replace("vanilla_", "MusicGen, ")
        print(f"{label + ', ' + ref_name:44s} {ref_t:8.2f}s {ref_m:7.0f}MiB")
        print(f"{label + ', Expotion':44s} {exp_t:8.2f}s {exp_m:7.0f}MiB {exp_t / ref_t:10.3f}x "
              f"{exp_m / max(ref_m, 1.):9.3f}x")


if __name__ == "__main__":
    main()
