"""``python -m audiocraft_expotion.eval``: Table-1 metrics of a folder of generated music.

Example::

    python -m audiocraft_expotion.eval --generated gen/ --reference ref/ --prompts prompts.json \\
        --videos videos/ --system "motion Syncformer" --prompt-type Generated \\
        --vggish-weights vggish-10086976.pth --tagger-weights Cnn14_mAP=0.431.pth -o results/
"""
import argparse
import sys
import typing as tp

from ..utils.cli import ArgumentParser
from .clap import DEFAULT_CLAP
from .evaluate import METRICS, evaluate_folder
from .prompts import load_prompts
from .results_io import unpaired_report, write_results
from .table import to_markdown
from .video_audio import DEFAULT_VIDEO_AUDIO_MODEL


def parse_args(argv: tp.Optional[tp.Sequence[str]] = None) -> argparse.Namespace:
    parser = ArgumentParser(prog="python -m audiocraft_expotion.eval", description=__doc__.splitlines()[0])
    parser.add_argument("--generated", required=True, help="folder of generated clips (wav/flac/mp3/mp4)")
    parser.add_argument("--reference", required=True, help="folder of reference clips, paired by file stem")
    parser.add_argument("--prompts", help="prompts file: JSON {stem: text} or 'stem<TAB>text' lines")
    parser.add_argument("--videos", help="folder of input videos <stem>.mp4 (video-audio metric)")
    parser.add_argument("--system", default="ours", help="system name, the 'Motion Feat.' cell of the table")
    parser.add_argument("--prompt-type", default="", help="the 'Prompt' cell of the table (Generated / Generic)")
    parser.add_argument("--vggish-weights", help="torchvggish VGGish state dict (path or URL) for FAD")
    parser.add_argument("--tagger-weights", help="PANNs Cnn14 checkpoint (path or URL) for KL and IS")
    parser.add_argument("--clap", default=DEFAULT_CLAP, help="CLAP hub id or local folder")
    parser.add_argument("--video-audio-model", default=DEFAULT_VIDEO_AUDIO_MODEL,
                        help="'languagebind' or 'module:factory' returning a VideoAudioModel")
    parser.add_argument("--metrics", nargs="+", default=list(METRICS), choices=METRICS)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("-o", "--output", required=True, help="results folder")
    return parser.parse_args(argv)


def main(argv: tp.Optional[tp.Sequence[str]] = None) -> int:
    args = parse_args(argv)
    results = evaluate_folder(
        args.generated, args.reference, metrics=args.metrics,
        prompts=load_prompts(args.prompts) if args.prompts else None, videos_dir=args.videos,
        vggish_weights=args.vggish_weights, tagger_weights=args.tagger_weights, clap_model=args.clap,
        video_audio_model=args.video_audio_model, device=args.device)
    row = write_results(results, args.output, args.system, args.prompt_type)
    print(to_markdown([row]))
    print(unpaired_report(results))
    print(f"results written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
