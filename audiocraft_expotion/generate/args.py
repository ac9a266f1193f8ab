"""Command-line options shared by the generation CLI and the web demo: model, features, guidance, threads."""
import argparse
import typing as tp

from ..features import DEFAULT_EXTRACTORS, EXTRACTORS
from ..names import DEMO_MODEL, MODALITIES
from ..utils.cli import positive_int

if tp.TYPE_CHECKING:
    from .pipeline import ExpotionGenerator


def _modalities(text: str) -> tuple:
    names = tuple(m.strip() for m in text.split(",") if m.strip())
    if not names or set(names) - set(MODALITIES):
        raise argparse.ArgumentTypeError(f"expected a comma-separated subset of {','.join(MODALITIES)}, got {text!r}")
    return names


def add_generator_args(parser: argparse.ArgumentParser) -> None:
    """Options that define an :class:`ExpotionGenerator`."""
    group = parser.add_argument_group("model and features")
    group.add_argument("--model", default=DEMO_MODEL,
                       help="exported Expotion model folder (or its expotion_state_dict.bin; `python -m "
                            "audiocraft_expotion.export XP OUT_DIR` makes one from a training run); a MusicGen name "
                            "(small/medium/large, hub id, folder; needs network or cache; untrained adaptor); "
                            "the offline random-weight preset 'tiny' (music is noise); or 'demo' (default): "
                            "the offline demo model, 'tiny' with an adaptor trained on synthetic motion clips")
    group.add_argument("--features", type=_modalities, default=None,
                       help="visual modalities (default: those the model was trained on; face,motion for a "
                            "fresh adaptor)")
    for modality in MODALITIES:
        group.add_argument(f"--{modality}-extractor", choices=sorted(EXTRACTORS), default=None,
                           help=f"{modality} feature extractor (default: the one the model was trained on, "
                                f"else {DEFAULT_EXTRACTORS[modality]})")
        group.add_argument(f"--{modality}-checkpoint", default=None,
                           help=f"weights of a pretrained {modality} extractor (marlin, synchformer, raft)")
    group.add_argument("--random-extractor-weights", action="store_true",
                       help="run pretrained extractors with random weights (testing only)")
    group.add_argument("--cfg-text", type=float, default=3., help="classifier-free guidance on the text (default 3)")
    group.add_argument("--cfg-visual", type=float, default=None,
                       help="separate guidance on the visual condition (default: off, text guidance only)")
    group.add_argument("--device", default=None, help="torch device (default: cuda when available, else cpu)")
    group.add_argument("--threads", type=positive_int, default=None,
                       help="CPU threads for torch (default: 1 on up to 2 cores, else half the cores: "
                            "token-by-token decoding is slowed by more)")


def generator_from_args(args: argparse.Namespace) -> "ExpotionGenerator":
    """The :class:`ExpotionGenerator` described by the options of :func:`add_generator_args`.

    Extractors default to those the model records it was trained on; torch's thread count is set.

    Raises:
        ValueError: bad model, device, thread count or extractor choice (the message says what to pass).
    """
    from ..utils.threads import configure_threads  # torch, audiocraft: imported once the options are parsed
    from ..features.extractor_choice import choose_extractors
    from .model_choice import model_record
    from .pipeline import ExpotionGenerator
    configure_threads(args.threads)
    records = model_record(args.model)
    extractors, random_extractors = choose_extractors(
        records, args.features, {m: getattr(args, f"{m}_extractor") for m in MODALITIES},
        {m: getattr(args, f"{m}_checkpoint") for m in MODALITIES}, args.random_extractor_weights)
    return ExpotionGenerator(args.model, extractors, args.device, args.cfg_text, args.cfg_visual, random_extractors)
