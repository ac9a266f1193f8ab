"""Generation speed: real-time factor (seconds of audio per second of compute) and time vs video length.

1. ``tiny`` preset, whole ExpotionGen (LM tokens + codec decoding), for each video length in
   ``--lengths`` (default 10, 20, 40 s): longer videos are generated in overlapping windows, so the time
   must grow linearly with the length (the table shows time per second of audio and the window count).
2. MusicGen-small-shaped random-weight LM (preset ``musicgen_small_shape``, 300M, LM only):
   ``lm.generate`` for ``--small-seconds`` of tokens at 50 Hz, with CFG (batch of 2).

Adaptor gates are set to 1 so the visual branch is really computed, as in a trained model. Random
features stand in for a video (face 317 dims, motion 21 dims @ 10 fps: the default offline extractors).
Prints a table; no assertion.

    python bench/generate_speed.py [--lengths 10 20 40] [--small-seconds 2] [--device cpu]
"""
import argparse
import time
import typing as tp

import torch
from audiocraft.modules.conditioners import ConditioningAttributes

from audiocraft_expotion.models.expotion_gen import ExpotionGen
from audiocraft_expotion.models.loaders import VisualSpec, load_fresh
from audiocraft_expotion.modules.conditions import FeatureSequence, VisualCondition, with_visual

FEATURE_FPS = 10.
SPEC = VisualSpec(face_dim=317, motion_dim=21)


def random_features(seconds: float, dim: int) -> tp.Tuple[torch.Tensor, float]:
    """``([T, dim], fps)`` random features covering ``seconds``."""
    return torch.randn(round(seconds * FEATURE_FPS), dim), FEATURE_FPS


def time_tiny(device: str, lengths: tp.Sequence[float]) -> tp.List[tp.Tuple[float, int, float, float]]:
    """``(length, windows, token seconds, total seconds)`` of a tiny-model generation per video length.

    Token time ends at the last progress callback; the rest of the total is codec decoding.
    """
    model = ExpotionGen.get_pretrained("tiny", device=device, spec=SPEC)
    model.lm.adaptor.gates.data.fill_(1.)
    last_token = [0.]
    model.set_custom_progress_callback(lambda generated, total: last_token.__setitem__(0, time.perf_counter()))
    rows = []
    for length in [min(lengths)] + list(lengths):  # the first run warms up (kernels, allocator)
        model.set_generation_params(duration=length)
        face, motion = random_features(length, SPEC.face_dim), random_features(length, SPEC.motion_dim)
        start = time.perf_counter()
        model.generate_with_video(["upbeat jazz"], face=face, motion=motion)
        rows.append((length, len(model.window_spans(length)), last_token[0] - start, time.perf_counter() - start))
    return rows[1:]


def time_small_lm(device: str, seconds: float) -> float:
    """Seconds of compute for ``seconds`` of tokens from the MusicGen-small-shaped LM."""
    lm, _ = load_fresh("musicgen_small_shape", device, VisualSpec())
    lm.eval()
    lm.adaptor.gates.data.fill_(1.)
    face, fps = random_features(seconds, 768)
    visual = VisualCondition(face=FeatureSequence.single(face, fps), motion=FeatureSequence.single(face, fps))
    attributes = [with_visual(ConditioningAttributes(text={"description": "upbeat jazz"}), lm.visual_condition, visual)]
    steps = round(seconds * 50)
    lm.generate(None, attributes, max_gen_len=4, cfg_coef=3.)  # warm-up
    start = time.perf_counter()
    lm.generate(None, attributes, max_gen_len=steps, use_sampling=True, top_k=250, cfg_coef=3.)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lengths", type=float, nargs="+", default=[10., 20., 40.], help="video lengths (s)")
    parser.add_argument("--small-seconds", type=float, default=2., help="audio seconds for the small-shape LM")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    print(f"device: {args.device}, torch threads: {torch.get_num_threads()}")
    print(f"{'model':<28}{'video s':>8}{'windows':>8}{'tokens s':>10}{'total s':>9}{'RTF':>8}{'s / audio s':>13}")
    for length, windows, tokens, total in time_tiny(args.device, args.lengths):
        print(f"{'tiny (LM + codec)':<28}{length:>8g}{windows:>8}{tokens:>10.2f}{total:>9.2f}{length / total:>8.2f}"
              f"{total / length:>13.3f}")
    seconds = time_small_lm(args.device, args.small_seconds)
    print(f"{'musicgen_small_shape (LM)':<28}{args.small_seconds:>8g}{'-':>8}{seconds:>10.2f}{seconds:>9.2f}"
          f"{args.small_seconds / seconds:>8.3f}{seconds / args.small_seconds:>13.3f}")
    print("RTF: seconds of audio per second of compute (> 1: faster than real time).")


if __name__ == "__main__":
    main()
