"""Command line: ``python -m audiocraft_expotion.features extract --extractor NAME [--extractor NAME2 ...]
VIDEOS_OR_FOLDERS... --out DIR [--allow-truncated]``.

A clip that fails (unreadable, no video stream, truncated: see :mod:`..media.truncation`) is reported at the
end and the others go on (exit 1); wrong path arguments are one ``error:`` line (exit 2) before torch loads.
"""
import argparse
import logging
import sys
import typing as tp
from pathlib import Path

from ..media import collect_videos
from ..media.truncation import TruncatedMediaError, check_file_not_truncated
from ..utils.cli import ArgumentParser, positive_int
from ..utils.paths import check_output_folder
from . import EXTRACTORS, PRETRAINED, SYNCHFORMER_TIMINGS, build_extractor, is_raft_weights_name

if tp.TYPE_CHECKING:
    from .base import Extractor


def make_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(prog="python -m audiocraft_expotion.features",
                                     description="Extract face and motion features from videos.")
    commands = parser.add_subparsers(dest="command", required=True)
    extract = commands.add_parser("extract", help="extract features of videos (resumable)")
    extract.add_argument("--extractor", required=True, action="append", choices=sorted(EXTRACTORS),
                         help="extractor to run; repeat the flag to run several in one pass over the videos")
    extract.add_argument("inputs", nargs="+", help="video files and/or folders (searched recursively)")
    extract.add_argument("--out", required=True, help="output folder: <stem>.<extractor>.npz[/.png]")
    extract.add_argument("--checkpoint", action="append", default=[], metavar="[NAME=]WEIGHTS",
                         help=f"weights of {', '.join(PRETRAINED)}: a file (released checkpoint or state dict), "
                              f"or for raft a torchvision name like Raft_Small_Weights.C_T_V2; prefix NAME= "
                              f"when several pretrained extractors run")
    extract.add_argument("--random-weights", action="store_true",
                         help=f"allow {', '.join(PRETRAINED)} without a checkpoint (random init, tests only)")
    extract.add_argument("--device", default="cpu", help="device of the neural extractors (cpu, cuda, cuda:1)")
    extract.add_argument("--batch-size", type=positive_int, default=4, help="clips (MARLIN), segments (Synchformer) or frame pairs (RAFT) encoded together")
    extract.add_argument("--threads", type=positive_int, default=None, help="torch CPU threads (default: torch's choice)")
    extract.add_argument("--synchformer-timing", choices=SYNCHFORMER_TIMINGS, default="paper",
                         help="time of the flattened Synchformer tokens (see features.synchformer)")
    extract.add_argument("--plot", action="store_true", help="also write a PNG of feature energy over time")
    extract.add_argument("--allow-truncated", action="store_true",
                         help="extract what is there of a truncated video (default: refuse the clip)")
    extract.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def checkpoints_by_name(values: tp.Sequence[str], names: tp.Sequence[str]) -> tp.Dict[str, str]:
    """``--checkpoint`` values as ``{extractor: weights}``; a bare value is for the one pretrained extractor.

    Raises:
        ValueError: a bare value with several (or no) pretrained extractors, or a name not being run.
    """
    pretrained = [name for name in names if name in PRETRAINED]
    if values and not pretrained:
        raise ValueError(f"--checkpoint {values[0]}: no extractor run here takes one ({', '.join(names)}); the "
                         f"pretrained extractors are {', '.join(sorted(PRETRAINED))}.")
    found: tp.Dict[str, str] = {}
    for value in values:
        name, sep, weights = value.partition("=")
        if sep and name in EXTRACTORS:
            if name not in pretrained:
                raise ValueError(f"--checkpoint {value}: {name} is not run here; the pretrained extractors run are "
                                 f"{', '.join(pretrained)}.")
            found[name] = weights
        elif len(pretrained) == 1:
            found[pretrained[0]] = value
        else:
            raise ValueError(f"--checkpoint {value}: say which extractor it is for (NAME=WEIGHTS, NAME one of "
                             f"{', '.join(pretrained)}).")
    return found


def extractors_from_args(args: argparse.Namespace) -> tp.List["Extractor"]:
    """The extractors the arguments ask for, in order, each once."""
    names = list(dict.fromkeys(args.extractor))
    checkpoints = checkpoints_by_name(args.checkpoint, names)
    extractors = []
    for name in names:
        options: tp.Dict[str, tp.Any] = {}
        if name in PRETRAINED:
            options.update(device=args.device, batch_size=args.batch_size)
        if name == "synchformer":
            options["timing"] = args.synchformer_timing
        extractors.append(build_extractor(name, checkpoints.get(name), args.random_weights, **options))
    return extractors


def check_paths(args: argparse.Namespace) -> None:
    """Raise ``ValueError`` naming the first path argument that cannot work: a missing input or
    ``--checkpoint`` file, an ``--out`` that is (inside) an existing file."""
    for item in args.inputs:
        if not Path(item).exists():
            raise ValueError(f"{item}: no such video file or folder.")
    for name, weights in checkpoints_by_name(args.checkpoint, list(dict.fromkeys(args.extractor))).items():
        if not is_raft_weights_name(weights) and not Path(weights).is_file():
            raise ValueError(f"{weights}: checkpoint file does not exist.")
    check_output_folder(args.out)


def refuse_truncated(videos: tp.Sequence[Path], allow: bool) -> tp.Tuple[tp.List[Path], tp.List[tp.Tuple[Path, str]]]:
    """The ``videos`` to extract, and ``(video, message)`` of those refused as truncated (unless ``allow``,
    see :mod:`..media.truncation`); unreadable ones are kept (the batch reports them)."""
    kept, refused = [], []
    for video in videos:
        try:
            check_file_not_truncated(video, allow)
        except TruncatedMediaError as exc:
            refused.append((video, f"{type(exc).__name__}: {exc}"))
        else:
            kept.append(video)
    return kept, refused


def main(argv: tp.Optional[tp.Sequence[str]] = None) -> int:
    """Run the command line; returns the exit code (1 if any clip failed, 2 on bad arguments).

    Path arguments are checked before torch is imported, so that a wrong path fails at once.
    """
    args = make_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        check_paths(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    videos = collect_videos(args.inputs)
    if not videos:
        print(f"error: no video found in {', '.join(map(str, args.inputs))}.", file=sys.stderr)
        return 2
    from ..utils.threads import configure_threads  # torch, and the modules below, only after the path checks
    from .batch import run_batch
    from .cache import FeatureCollision
    try:
        if args.threads is not None:
            configure_threads(args.threads)
        extractors = extractors_from_args(args)
    except (ValueError, RuntimeError) as exc:  # RuntimeError: e.g. an unavailable --device
        print(f"error: {exc}", file=sys.stderr)
        return 2
    videos, refused = refuse_truncated(videos, args.allow_truncated)
    try:
        results = run_batch(videos, extractors, args.out, plot=args.plot, progress=not args.quiet)
    except FeatureCollision as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    failures = []
    for name, result in results.items():
        result.failed += refused
        print(f"{name}: {len(result.done)} extracted, {len(result.skipped)} already done, "
              f"{len(result.failed)} failed (output in {args.out}).")
        failures += [f"{name}: {message}" if len(results) > 1 else message for _, message in result.failed]
    if failures:
        print(f"Failed clips ({len(failures)}):")
        for message in failures:
            print(f"  {message}")
    return 1 if failures else 0
