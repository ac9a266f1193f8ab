"""Speed of the offline feature extractors: seconds of video processed per second of compute (CPU).

Usage: ``python bench/extract_speed.py [VIDEOS...]`` (default: the real test clips in
``../shared/data/videos``). Each extractor decodes the clip at the size it needs and extracts; a
combination decodes once at the largest size its members need and runs them all on that decode.
Prints one row per extractor / combination: video seconds, compute seconds, real-time factor.
"""
import argparse
import os
import sys
import time
import typing as tp
from pathlib import Path

import torch

from audiocraft_expotion.features import build_extractor, read_video

DEFAULT_VIDEOS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "videos"
RUNS = {
    "mediapipe_face": ("mediapipe_face",),
    "mediapipe_pose": ("mediapipe_pose",),
    "flow": ("flow",),
    "face+motion (face, flow)": ("mediapipe_face", "flow"),
    "face+motion (face, pose, flow)": ("mediapipe_face", "mediapipe_pose", "flow"),
}


def time_run(names: tp.Sequence[str], videos: tp.Sequence[Path]) -> tp.Tuple[float, float]:
    """(video seconds, compute seconds) of running extractors ``names`` on ``videos``, one decode per clip."""
    extractors = [build_extractor(name) for name in names]
    max_side = max(e.max_side or 10 ** 6 for e in extractors)
    video_seconds = compute_seconds = 0.
    for path in videos:
        begin = time.perf_counter()
        video = read_video(path, max_side=max_side)
        for extractor in extractors:
            extractor.extract(video)
        compute_seconds += time.perf_counter() - begin
        video_seconds += video.end
    return video_seconds, compute_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("videos", nargs="*", type=Path)
    args = parser.parse_args()
    videos = args.videos or sorted(DEFAULT_VIDEOS.glob("*.mp4"))
    if not videos:
        sys.exit(f"no videos given and none in {DEFAULT_VIDEOS}")
    print(f"{len(videos)} clips, CPU, {torch.get_num_threads()} torch threads, {os.cpu_count()} cores")
    print(f"{'extractor':34s} {'video s':>8s} {'compute s':>10s} {'x real time':>12s}")
    for label, names in RUNS.items():
        video_seconds, compute_seconds = time_run(names, videos)
        print(f"{label:34s} {video_seconds:8.1f} {compute_seconds:10.2f} {video_seconds / compute_seconds:12.2f}")


if __name__ == "__main__":
    main()
