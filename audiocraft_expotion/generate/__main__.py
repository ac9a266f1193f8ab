"""``python -m audiocraft_expotion.generate VIDEO --prompt "..." -o out.mp4``: music for a video.

Writes ``out.mp4`` (the original picture with the generated music), ``out.wav`` (32 kHz) and
``out.png`` (visual feature curves, waveform and onset strength on one time axis). Features are
cached in ``--cache`` (default: ``features/`` next to the output) and reused on later runs.
``--example`` instead of VIDEO first writes an example clip made offline (a public-domain portrait
that moves in two bursts) to ``outputs/example.mp4``. The input video is never modified.
"""
import argparse
import logging
import sys
import typing as tp
from pathlib import Path

from ..data.clip_info import GENERIC_PROMPT
from ..media.container import MediaError
from ..utils.cli import ArgumentParser
from .args import add_generator_args, generator_from_args

EXAMPLE_VIDEO = Path("outputs") / "example.mp4"


def parse_args(argv: tp.Optional[tp.Sequence[str]] = None) -> argparse.Namespace:
    parser = ArgumentParser(prog="python -m audiocraft_expotion.generate", description=__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("video", type=Path, nargs="?", help="input video (any format FFmpeg reads)")
    parser.add_argument("--example", action="store_true",
                        help=f"use the example clip made offline ({EXAMPLE_VIDEO}) instead of VIDEO")
    parser.add_argument("--prompt", default=GENERIC_PROMPT, help=f"text description (default: {GENERIC_PROMPT!r})")
    parser.add_argument("-o", "--output", type=Path, default=None,
                        help="output .mp4 (default: outputs/<video stem>_expotion.mp4); never the input")
    parser.add_argument("--seed", type=int, default=0, help="sampling seed: same seed, same music (default 0)")
    parser.add_argument("--cache", type=Path, default=None,
                        help="feature cache folder (default: features/ next to the output)")
    parser.add_argument("--allow-truncated", action="store_true",
                        help="use a truncated video (frames end before its declared duration) instead of failing")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    add_generator_args(parser)
    args = parser.parse_args(argv)
    if args.example == (args.video is not None):
        parser.error("pass either a VIDEO or --example")
    return args


def main(argv: tp.Optional[tp.Sequence[str]] = None) -> int:
    args = parse_args(argv)
    from ..utils.paths import check_output_folder  # after parsing: --help imports none of them
    from .input_checks import check_input
    from .model_choice import resolve_model_name
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    video = args.video or EXAMPLE_VIDEO
    output = args.output or Path("outputs") / f"{video.stem}_expotion.mp4"
    cache = args.cache or output.parent / "features"
    try:
        resolve_model_name(args.model)  # these checks import no torch / audiocraft (seconds): bad paths fail at once
        if args.example:
            from .example import write_example_video
            print(f"example video: {write_example_video(EXAMPLE_VIDEO)} (matplotlib's public-domain photo "
                  "of Grace Hopper, moving in two bursts)", flush=True)
        info = check_input(video, output, args.allow_truncated)
        check_output_folder(cache)
        generator = generator_from_args(args)
        if generator.notice:
            print(generator.notice, flush=True)
        result = generator.generate(info, args.prompt, output, seed=args.seed, cache=cache, progress=not args.quiet)
    except (MediaError, ValueError) as exc:  # FeatureFileError is a ValueError
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"music video: {result.video} ({result.duration:.2f} s, picture "
          f"{'copied' if result.picture_copied else 're-encoded'})\nmusic: {result.wav}\nplot: {result.plot}")
    if args.example:
        print("your own video: python -m audiocraft_expotion.generate VIDEO --prompt \"...\" -o outputs/NAME.mp4 "
              "[--model EXPORTED_MODEL_FOLDER]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
