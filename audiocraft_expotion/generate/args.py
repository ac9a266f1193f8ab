"""Command-line options shared by the generation CLI and the web demo: model, features, guidance."""
import argparse

from ..features import EXTRACTORS
from ..modules.conditions import MODALITIES
from .pipeline import ExpotionGenerator
from .visual_features import DEFAULT_EXTRACTORS, build_extractors


def _modalities(text: str) -> tuple:
    names = tuple(m.strip() for m in text.split(",") if m.strip())
    if not names or set(names) - set(MODALITIES):
        raise argparse.ArgumentTypeError(f"expected a comma-separated subset of {','.join(MODALITIES)}, got {text!r}")
    return names


def add_generator_args(parser: argparse.ArgumentParser) -> None:
    """Options that define an :class:`ExpotionGenerator`."""
    group = parser.add_argument_group("model and features")
    group.add_argument("--model", default="tiny",
                       help="exported Expotion model folder, MusicGen name (small/medium/large, hub id, folder; "
                            "needs network or cache), or the offline random-weight preset 'tiny' (default; "
                            "untrained: its music is noise)")
    group.add_argument("--features", type=_modalities, default=MODALITIES,
                       help="visual modalities for a fresh model (default: face,motion)")
    for modality in MODALITIES:
        group.add_argument(f"--{modality}-extractor", choices=sorted(EXTRACTORS), default=DEFAULT_EXTRACTORS[modality],
                           help=f"{modality} feature extractor (default: {DEFAULT_EXTRACTORS[modality]})")
        group.add_argument(f"--{modality}-checkpoint", default=None,
                           help=f"weights of a pretrained {modality} extractor (marlin, synchformer, raft)")
    group.add_argument("--random-extractor-weights", action="store_true",
                       help="run pretrained extractors with random weights (testing only)")
    group.add_argument("--cfg-text", type=float, default=3., help="classifier-free guidance on the text (default 3)")
    group.add_argument("--cfg-visual", type=float, default=None,
                       help="separate guidance on the visual condition (default: off, text guidance only)")
    group.add_argument("--device", default=None, help="torch device (default: cuda when available, else cpu)")


def generator_from_args(args: argparse.Namespace) -> ExpotionGenerator:
    """The :class:`ExpotionGenerator` described by the options of :func:`add_generator_args`."""
    names = {m: getattr(args, f"{m}_extractor") for m in args.features}
    checkpoints = {m: getattr(args, f"{m}_checkpoint") for m in args.features}
    extractors = build_extractors(names, checkpoints, args.random_extractor_weights)
    return ExpotionGenerator(args.model, extractors, args.device, args.cfg_text, args.cfg_visual)
