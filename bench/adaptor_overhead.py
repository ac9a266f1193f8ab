"""Cost of the condition adaptor: Expotion vs vanilla MusicGen with the same random-weight architecture.

Measured side by side in one process, alternating the two models, on the preset given (default:
MusicGen-small shape, 24 layers, d=1024): generation time and peak memory for a few seconds of
audio (greedy tokens, audiocraft's CFG), and one training step (forward + backward, cross-entropy)
of Expotion (adaptor trainable) vs the same MusicGen fully trainable. Gates are set to 1 so the
adaptor's branch is really computed. Prints a table; no assertion.

    python bench/adaptor_overhead.py [--preset musicgen_small_shape] [--seconds 3] [--repeats 2]
"""
import argparse
import os
import statistics
import threading
import time
import typing as tp

import torch
from audiocraft.models import builders as audiocraft_builders
from audiocraft.modules.conditioners import ConditioningAttributes

from audiocraft_expotion.models.loaders import load_fresh, without_expotion
from audiocraft_expotion.modules.conditions import FeatureSequence, VisualCondition, with_visual

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


class PeakMemory:
    """Peak resident memory above the level at entry, sampled every 2 ms (CPU) or CUDA's counter."""
    def __enter__(self) -> "PeakMemory":
        self.cuda = torch.cuda.is_available()
        if self.cuda:
            torch.cuda.reset_peak_memory_stats()
            self.base = torch.cuda.memory_allocated()
        else:
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
        if self.cuda:
            self.peak = torch.cuda.max_memory_allocated()
        else:
            self.running = False
            self.thread.join()

    @property
    def mib(self) -> float:
        return (self.peak - self.base) / 2 ** 20


def timed(fn: tp.Callable[[], tp.Any]) -> tp.Tuple[float, float]:
    """Seconds and peak extra memory (MiB) of one call."""
    with PeakMemory() as memory:
        start = time.perf_counter()
        fn()
        seconds = time.perf_counter() - start
    return seconds, memory.mib


def conditions(texts: tp.List[str], seconds: float, with_video: bool) -> tp.List[ConditioningAttributes]:
    attributes = [ConditioningAttributes(text={"description": t}) for t in texts]
    if not with_video:
        return attributes
    face = FeatureSequence.single(torch.randn(int(5 * seconds), 768), 5.)
    motion = FeatureSequence.single(torch.randn(int(24 * seconds), 768), 24.)
    return [with_visual(a, "visual", VisualCondition(face=face, motion=motion)) for a in attributes]


def train_step(model, codes: torch.Tensor, attributes) -> None:
    out = model.compute_predictions(codes, attributes)
    loss = torch.nn.functional.cross_entropy(out.logits[out.mask], codes[out.mask])
    loss.backward()
    model.zero_grad(set_to_none=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="musicgen_small_shape")
    parser.add_argument("--seconds", type=float, default=3.0, help="audio generated per run")
    parser.add_argument("--train-seconds", type=float, default=2.0, help="clip length of the training step")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    torch.manual_seed(0)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    expotion, _ = load_fresh(args.preset, device)
    frame_rate = expotion.cfg.conditioners.visual.expotion_visual.frame_rate
    vanilla = audiocraft_builders.get_lm_model(without_expotion(expotion.cfg)).to(device)
    vanilla.load_state_dict({k: v for k, v in expotion.state_dict().items() if not expotion.is_trainable(k)})
    with torch.no_grad():
        expotion.adaptor.gates.fill_(1.)
    counts = expotion.parameter_counts()
    texts = ["an upbeat pop song with drums and bass"]
    steps = int(args.seconds * frame_rate)
    runs: tp.Dict[str, tp.List[tp.Tuple[float, float]]] = {k: [] for k in
                                                            ("gen_vanilla", "gen_expotion", "train_vanilla", "train_expotion")}
    codes = torch.randint(0, expotion.card, (2, expotion.num_codebooks, int(args.train_seconds * frame_rate)),
                          device=device)
    for model in (expotion, vanilla):  # full fine-tuning reference: every parameter of MusicGen trains
        model.eval()
    for p in vanilla.parameters():
        p.requires_grad_(True)
    for _ in range(args.repeats):
        for name, model, video in (("vanilla", vanilla, False), ("expotion", expotion, True)):
            attrs = conditions(texts, args.seconds, video)
            with torch.no_grad():
                runs[f"gen_{name}"].append(timed(lambda: model.generate(None, attrs, max_gen_len=steps,
                                                                        use_sampling=False)))
            train_attrs = conditions(texts * 2, args.train_seconds, video)
            runs[f"train_{name}"].append(timed(lambda: train_step(model, codes, train_attrs)))

    def best(key: str) -> tp.Tuple[float, float]:
        return min(t for t, _ in runs[key]), statistics.median(m for _, m in runs[key])

    print(f"preset {args.preset} on {device}, torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"parameters: {counts['trainable']:,} trainable of {counts['total']:,} "
          f"({counts['trainable_percent']:.2f} %), adaptor on {expotion.adaptor.num_layers} layers")
    print(f"{'measure':34s} {'vanilla':>12s} {'expotion':>12s} {'ratio':>7s}")
    for label, key, unit in ((f"generate {args.seconds:g} s ({steps} steps), time", "gen", "s"),
                             (f"train step 2 x {args.train_seconds:g} s, time", "train", "s")):
        (tv, mv), (te, me) = best(f"{key}_vanilla"), best(f"{key}_expotion")
        print(f"{label:34s} {tv:11.2f}{unit} {te:11.2f}{unit} {te / tv:6.3f}x")
        print(f"{'  peak extra memory':34s} {mv:9.0f}MiB {me:9.0f}MiB {me / max(mv, 1e-9):6.3f}x")


if __name__ == "__main__":
    main()
