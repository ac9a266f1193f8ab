"""Which model a generation uses: name resolution, device check, loading, and what to tell the user about it.

Names: an exported Expotion folder or its ``expotion_state_dict.bin``; a MusicGen hub id / short
name / local folder (fresh, untrained adaptor); the random-weight preset ``tiny``; or ``demo``, the
offline demo model shipped in this package (:data:`DEMO_MODEL_DIR`): the ``tiny`` preset with an
adaptor trained on synthetic clips whose clicks follow the on-screen motion.
"""
import typing as tp
from pathlib import Path

import torch

from ..data.extractor_record import ExtractorRecord, read_extractor_record
from ..features import Extractor
from ..models.expotion_gen import ExpotionGen
from ..models.loaders import CHECKPOINT_NAME
from ..models.names import DEMO_MODEL
from ..resources import preset_names
from .music import load_model

DEMO_MODEL_DIR = Path(__file__).resolve().parent / "demo_model"


class Notice(tp.NamedTuple):
    """Something the user must know about a run: ``message`` for the console, ``tag`` for plot titles."""
    message: str
    tag: str


DEMO_NOTICE = Notice(
    "NOTE: offline demo model: a tiny MusicGen and audio codec with RANDOM weights, plus an Expotion adaptor "
    "trained on synthetic clips whose click tempo follows a moving square (motion features only). It CAN "
    "show that the video steers the generation: another video, same prompt and seed, gives different music. "
    "It CANNOT show real music, onsets that audibly follow the motion (the random codec turns any tokens "
    "into noise, so the plot's onsets are the noise's), the text prompt, or facial expressions. Pass "
    "--model with an exported Expotion model folder for real music.",
    "OFFLINE DEMO MODEL: RANDOM MUSICGEN, NOISE AUDIO")


def resolve_model_name(name: str) -> str:
    """``name`` as :meth:`ExpotionGen.get_pretrained` takes it: ``demo`` and checkpoint files become folders.

    Raises:
        ValueError: ``name`` is a file other than an Expotion checkpoint, or ``demo`` is not installed.
    """
    if name == DEMO_MODEL:
        if not (DEMO_MODEL_DIR / CHECKPOINT_NAME).is_file():
            raise ValueError(f"the demo model is missing from this installation ({DEMO_MODEL_DIR / CHECKPOINT_NAME}); "
                             "reinstall the package or pass --model tiny.")
        return str(DEMO_MODEL_DIR)
    path = Path(name)
    if path.is_file():
        if path.name != CHECKPOINT_NAME:
            raise ValueError(f"{path}: not an Expotion model; pass an exported model folder (holding "
                             f"{CHECKPOINT_NAME}) or that file.")
        return str(path.parent)
    return name


def model_record(name: str) -> tp.Dict[str, ExtractorRecord]:
    """The extractors (``{modality: record}``) model ``name`` was trained on; ``{}`` when it records none.

    Raises:
        ValueError: see :func:`resolve_model_name`; or an unreadable checkpoint.
    """
    try:
        return read_extractor_record(resolve_model_name(name))
    except RuntimeError as exc:
        raise ValueError(str(exc)) from exc


def check_device(device: tp.Optional[str]) -> tp.Optional[str]:
    """``device`` if this machine has it (None: the default, CUDA when available).

    Raises:
        ValueError: not a torch device name, or a CUDA device that is not there.
    """
    if device is None:
        return None
    try:
        parsed = torch.device(device)
    except RuntimeError as exc:
        raise ValueError(f"--device {device!r} is not a torch device ({exc}); use cpu or cuda.") from exc
    if parsed.type == "cuda" and parsed.index is not None and parsed.index >= torch.cuda.device_count() > 0:
        raise ValueError(f"--device {device}: this machine has {torch.cuda.device_count()} CUDA device(s).")
    if parsed.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"--device {device}: no CUDA GPU is available here; use --device cpu "
                         "(or leave --device out to use a GPU when there is one).")
    return device


def model_notice(model: ExpotionGen, name: str) -> tp.Optional[Notice]:
    """What the user must know when the music does not come from a trained Expotion model, else None."""
    if name == DEMO_MODEL:
        return DEMO_NOTICE
    if name in preset_names():
        return Notice(f"NOTE: '{name}' is a random-weight preset: this model is UNTRAINED and its music is "
                      "noise that does not depend on the video (all adaptor gates are 0). Use --model demo "
                      "for the offline demo model, or an exported Expotion model folder for real music.",
                      "UNTRAINED MODEL")
    if model.is_untrained:
        return Notice("NOTE: the Expotion adaptor of this model is untrained (all gates are 0): the music "
                      "follows the text prompt only, not the video.", "UNTRAINED ADAPTOR")
    return None


def load_generation_model(name: str, extractors: tp.Mapping[str, Extractor], device: tp.Optional[str] = None
                          ) -> tp.Tuple[ExpotionGen, tp.Optional[Notice]]:
    """The model ``name`` on ``device`` (a fresh adaptor gets the widths of ``extractors``) and its notice.

    Raises:
        ValueError: bad name or device, or the model cannot be loaded (offline hub name, unreadable
            or mismatched checkpoint); the message says what to pass instead.
    """
    device = check_device(device)
    folder = resolve_model_name(name)
    try:
        model = load_model(folder, extractors, device)
    except torch.OutOfMemoryError:
        raise
    except RuntimeError as exc:  # the loaders' errors name the model and say what to pass instead
        raise ValueError(str(exc)) from exc
    return model, model_notice(model, name)
