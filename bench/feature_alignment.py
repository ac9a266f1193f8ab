"""Misalignment between the music and the video features a training segment is conditioned on.

For each extractor frame rate, clip-time ramp features (every value is the frame's clip time) are
cut for random 10 s segments (:func:`audiocraft_expotion.data.feature_window.cut_features`, as the
dataset does) and turned into LM-rate embeddings by the visual conditioner (50 Hz, eq. 1). LM frame
``j`` of a segment starting at ``seek`` plays the music at clip time ``seek + j / 50``; the table
prints how far the video time it reads is from that (ms): for LM frame 0 (mean, max, share of
segments off by more than one 20 ms LM frame) and the worst frame of any segment (up to the
segment's last feature frame, which is held for the last < 1 / fps s).

    python bench/feature_alignment.py [--segments 2000] [--fps 5 10 25 40]
"""
import argparse
import math
import typing as tp

import numpy as np
import torch

from audiocraft_expotion.data.feature_io import FeatureFile
from audiocraft_expotion.data.feature_window import cut_features
from audiocraft_expotion.modules.conditions import FeatureSequence, VisualCondition
from audiocraft_expotion.modules.visual_conditioner import VisualConditioner

LM_RATE = 50.
SEGMENT = 10.


def misalignment_ms(fps: float, segments: int, rng: np.random.Generator) -> tp.Tuple[np.ndarray, float]:
    """``(first [segments], worst)``: LM frame 0 misalignment per segment and the worst frame (ms)."""
    conditioner = VisualConditioner(modalities=["face"], face_dim=1, face_rank=1, frame_rate=LM_RATE)
    with torch.no_grad():
        conditioner.projections["face"].weight.fill_(1.)
    ramp = FeatureFile((np.arange(int(60 * fps)) / fps)[:, None].astype(np.float32), fps)
    first, worst = [], 0.
    for _ in range(segments):
        seek = float(rng.uniform(0, 40))
        cut = cut_features(ramp, seek, SEGMENT)
        with torch.no_grad():
            embeds, _ = conditioner(VisualCondition(face=FeatureSequence.single(cut, fps)))
        read = embeds[0, :, 0].double()
        music = seek + torch.arange(len(read), dtype=torch.float64) / LM_RATE
        inside = music <= seek + (math.ceil(SEGMENT * fps) - 1) / fps
        first.append(abs(read[0].item() - seek) * 1000)
        worst = max(worst, ((read - music).abs()[inside].max() * 1000).item())
    return np.array(first), worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--segments", type=int, default=2000, help="random segments per frame rate")
    parser.add_argument("--fps", type=float, nargs="+", default=[5., 10., 25., 40.], help="extractor frame rates")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'fps':>6}{'frame 0 mean ms':>17}{'frame 0 max ms':>16}{'> 20 ms':>9}{'worst frame ms':>16}")
    for fps in args.fps:
        first, worst = misalignment_ms(fps, args.segments, rng)
        print(f"{fps:>6g}{first.mean():>17.1f}{first.max():>16.1f}{100 * (first > 20).mean():>8.1f}%{worst:>16.1f}")


if __name__ == "__main__":
    main()
