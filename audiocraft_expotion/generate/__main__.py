"""``python -m audiocraft_expotion.generate VIDEO --prompt "..." -o out.mp4``: music for a video.

Writes ``out.mp4`` (the original picture with the generated music), ``out.wav`` (32 kHz) and
``out.png`` (visual feature curves, waveform and onset strength on one time axis). Features are
cached in ``--cache`` (default: ``features/`` next to the output) and reused on later runs.
"""
import argparse
import logging
import sys
import typing as tp
from pathlib import Path

from ..data.clip_info import GENERIC_PROMPT
from ..data.feature_io import FeatureFileError
from ..features import VideoError
from .args import add_generator_args, generator_from_args
from .probe import probe_video


def parse_args(argv: tp.Optional[tp.Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m audiocraft_expotion.generate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("video", type=Path, help="input video (any format FFmpeg reads)")
    parser.add_argument("--prompt", default=GENERIC_PROMPT, help=f"text description (default: {GENERIC_PROMPT!r})")
    parser.add_argument("-o", "--output", type=Path, default=None,
                        help="output .mp4 (default: outputs/<video stem>_expotion.mp4)")
    parser.add_argument("--seed", type=int, default=0, help="sampling seed: same seed, same music (default 0)")
    parser.add_argument("--cache", type=Path, default=None,
                        help="feature cache folder (default: features/ next to the output)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    add_generator_args(parser)
    return parser.parse_args(argv)


def main(argv: tp.Optional[tp.Sequence[str]] = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    output = args.output or Path("outputs") / f"{args.video.stem}_expotion.mp4"
    try:
        probe_video(args.video)  # fail on an unreadable video before loading the model
        generator = generator_from_args(args)
        if generator.notice:
            print(generator.notice, flush=True)
        result = generator(args.video, args.prompt, output, seed=args.seed,
                           cache=args.cache or output.parent / "features", progress=not args.quiet)
    except (VideoError, FeatureFileError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"music video: {result.video} ({result.duration:.2f} s, picture "
          f"{'copied' if result.picture_copied else 're-encoded'})\nmusic: {result.wav}\nplot: {result.plot}")
    if generator.notice:
        print(generator.notice)
    return 0


if __name__ == "__main__":
    sys.exit(main())
