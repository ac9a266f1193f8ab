"""Command line: ``python -m audiocraft_expotion.features extract --extractor NAME VIDEOS_OR_FOLDERS... --out DIR``."""
import argparse
import logging
import sys
import typing as tp

from . import EXTRACTORS, PRETRAINED, build_extractor
from .batch import collect_videos, run_batch


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m audiocraft_expotion.features",
                                     description="Extract face and motion features from videos.")
    commands = parser.add_subparsers(dest="command", required=True)
    extract = commands.add_parser("extract", help="extract features of videos (resumable)")
    extract.add_argument("--extractor", required=True, choices=sorted(EXTRACTORS))
    extract.add_argument("inputs", nargs="+", help="video files and/or folders (searched recursively)")
    extract.add_argument("--out", required=True, help="output folder: <stem>.<extractor>.npz/.json[/.png]")
    extract.add_argument("--checkpoint", help=f"weights file for {', '.join(PRETRAINED)}")
    extract.add_argument("--random-weights", action="store_true",
                         help=f"allow {', '.join(PRETRAINED)} without a checkpoint (random init, tests only)")
    extract.add_argument("--plot", action="store_true", help="also write a PNG of feature energy over time")
    extract.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv: tp.Optional[tp.Sequence[str]] = None) -> int:
    """Run the command line; returns the exit code (1 if any clip failed, 2 on bad arguments)."""
    args = make_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        extractor = build_extractor(args.extractor, args.checkpoint, args.random_weights)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    videos = collect_videos(args.inputs)
    if not videos:
        print(f"error: no video found in {args.inputs}.", file=sys.stderr)
        return 2
    result = run_batch(videos, extractor, args.out, plot=args.plot, progress=not args.quiet)
    print(f"{extractor.name}: {len(result.done)} extracted, {len(result.skipped)} already done, "
          f"{len(result.failed)} failed (output in {args.out}).")
    if result.failed:
        print(f"Failed clips ({len(result.failed)}):")
        for _, message in result.failed:
            print(f"  {message}")
    return 1 if result.failed else 0
