"""Speed and memory of the feature extractors: ms per processed frame, decode share, real-time factor.

Usage::

    python bench/extract_speed.py [VIDEOS...] [--extractors flow,raft,...] [--threads 1 2]
        [--device cpu|cuda] [--batch-size 4] [--seconds S] [--all-frames]

Default videos: the real test clips in ``../shared/data/videos``. Each (extractor, threads) pair runs
in its own process (so its peak RSS is its own) with random weights for the pretrained encoders at
their released sizes (speed does not depend on the values). Per clip the video is decoded the way
``features extract`` does (:func:`audiocraft_expotion.features.video_features.decode_for`: only the frames the
extractor's grid shows; ``--all-frames``: every frame, the old behaviour) and then extracted; the two
are timed separately. ``--seconds`` keeps the first S seconds of each decoded clip (CPU runs of the
ViT-B encoders). On CUDA the first clip is run once untimed (warm-up).

Printed per row: processed frames (grid frames at the extractor's ``grid_fps``), decode and extract ms
per processed frame (decode over the whole clips, extract over the kept seconds), the decode share,
the real-time factor (video seconds per second of decode + extract) and the worker's peak RSS.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time
import typing as tp
from pathlib import Path

DEFAULT_VIDEOS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "videos"
EXTRACTORS = ("flow", "mediapipe_face", "mediapipe_pose", "raft", "synchformer", "marlin")


def trimmed(video: tp.Any, seconds: tp.Optional[float]) -> tp.Any:
    """``video`` cut to its first ``seconds`` (frames shown before then), or as is."""
    if seconds is None or video.end <= seconds:
        return video
    keep = max(1, int((video.times < seconds).sum()))
    return type(video)(frames=video.frames[:keep], times=video.times[:keep], end=seconds, path=video.path,
                       rotation=video.rotation, source_frames=video.source_frames, rates=video.rates)


def worker(args: argparse.Namespace) -> None:
    """Time one extractor on the clips; print one JSON line of totals."""
    import torch

    from audiocraft_expotion.features import PRETRAINED, build_extractor
    from audiocraft_expotion.features.video_features import decode_for
    from audiocraft_expotion.media.video import read_video
    from audiocraft_expotion.utils.threads import configure_threads

    configure_threads(args.threads)
    pretrained = args.worker in PRETRAINED
    options: tp.Dict[str, tp.Any] = {"device": args.device, "batch_size": args.batch_size} if pretrained else {}
    extractor = build_extractor(args.worker, random_weights=pretrained, **options)

    def decode(path: Path) -> tp.Any:
        if args.all_frames:
            return read_video(path, max_side=extractor.max_side)
        return decode_for(path, [extractor])

    def sync() -> None:
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()

    if args.device.startswith("cuda"):
        extractor.extract(trimmed(decode(args.videos[0]), args.seconds))
    totals = {"decode_s": 0., "decoded_frames": 0, "decoded_video_s": 0., "extract_s": 0., "frames": 0, "video_s": 0.}
    for path in args.videos:
        begin = time.perf_counter()
        full = decode(path)
        decoded = time.perf_counter()
        video = trimmed(full, args.seconds)
        extractor.extract(video)
        sync()
        totals["decode_s"] += decoded - begin
        totals["decoded_frames"] += full.grid(extractor.grid_fps).num_frames
        totals["decoded_video_s"] += full.end
        totals["extract_s"] += time.perf_counter() - decoded
        totals["frames"] += video.grid(extractor.grid_fps).num_frames
        totals["video_s"] += video.end
    totals["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(totals))


def run(name: str, threads: int, args: argparse.Namespace, videos: tp.Sequence[Path]) -> tp.Dict[str, float]:
    command = [sys.executable, __file__, *map(str, videos), "--worker", name, "--threads", str(threads),
               "--device", args.device, "--batch-size", str(args.batch_size)]
    command += ["--seconds", str(args.seconds)] if args.seconds else []
    command += ["--all-frames"] if args.all_frames else []
    repo = str(Path(__file__).resolve().parent.parent)  # this checkout's package, even beside an installed copy
    env = {**os.environ, "OMP_NUM_THREADS": str(threads),
           "PYTHONPATH": os.pathsep.join(filter(None, [repo, os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode:
        raise SystemExit(f"{name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("videos", nargs="*", type=Path)
    parser.add_argument("--extractors", default=",".join(EXTRACTORS))
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=None, help="keep the first S seconds of each clip")
    parser.add_argument("--all-frames", action="store_true", help="decode every frame (the old reader use)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.videos = args.videos or sorted(DEFAULT_VIDEOS.glob("*.mp4"))
    if not args.videos:
        sys.exit(f"no videos given and none in {DEFAULT_VIDEOS}")
    if args.worker:
        args.threads = args.threads[0]
        worker(args)
        return
    print(f"{len(args.videos)} clips, device {args.device}, {os.cpu_count()} cores, batch {args.batch_size}, "
          f"{'every frame decoded' if args.all_frames else 'sampled frames decoded'}"
          f"{f', first {args.seconds:g} s' if args.seconds else ''}")
    print(f"{'extractor':15s} {'threads':>7s} {'frames':>7s} {'decode ms/f':>11s} {'extract ms/f':>12s} "
          f"{'decode %':>8s} {'x real time':>11s} {'peak RSS MB':>11s}")
    for name in args.extractors.split(","):
        for threads in args.threads:
            r = run(name, threads, args, args.videos)
            decode_ms, extract_ms = (1e3 * r["decode_s"] / r["decoded_frames"], 1e3 * r["extract_s"] / r["frames"])
            per_video_second = r["decode_s"] / r["decoded_video_s"] + r["extract_s"] / r["video_s"]
            print(f"{name:15s} {threads:7d} {r['frames']:7d} {decode_ms:11.2f} {extract_ms:12.2f} "
                  f"{100 * decode_ms / (decode_ms + extract_ms):8.1f} {1 / per_video_second:11.2f} "
                  f"{r['peak_rss_mb']:11.0f}", flush=True)


if __name__ == "__main__":
    main()
