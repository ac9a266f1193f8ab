"""Which model a generation uses: name resolution, device check, loading, and what to tell the user about it.

Names: an exported Expotion folder or its ``expotion_state_dict.bin``; a MusicGen hub id / short
name / local folder (fresh, untrained adaptor); the random-weight preset ``tiny``; or ``demo``, the
offline demo model shipped in this package (:data:`DEMO_MODEL_DIR`): the ``tiny`` preset with an
adaptor trained on synthetic clips whose clicks follow the on-screen motion.
"""
import re
import typing as tp
from pathlib import Path

from ..data.extractor_record import ExtractorRecord, read_extractor_record
from ..names import CHECKPOINT_NAME, DEMO_MODEL, MUSICGEN_SHORT_NAMES, XP_SIGNATURE
from ..resources import preset_names
from ..utils.paths import is_xp_folder

if tp.TYPE_CHECKING:  # torch and audiocraft are imported by the functions that load: names are checked without them
    from ..features import Extractor
    from ..models.expotion_gen import ExpotionGen

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


MUSICGEN_FILES = ("state_dict.bin", "compression_state_dict.bin")
"""A local MusicGen folder (audiocraft's ``load_lm_model_ckpt`` / ``load_compression_model``)."""
HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]*[A-Za-z0-9]")
"""A Hugging Face model id, ``NAMESPACE/NAME``."""


def _is_hub_id(name: str) -> bool:
    """``name`` reads as a hub id and not as a path (its first part is no local file or folder)."""
    return HUB_ID.fullmatch(name) is not None and ".." not in name and not Path(name.split("/")[0]).exists()


def _training_folder(xp: str) -> str:
    """The message for a training folder or signature ``xp`` passed as a model."""
    return (f"{xp}: a training run (dora XP folder), not an exported model; export it first: "
            f"python -m audiocraft_expotion.export {xp} OUT_DIR, then pass --model OUT_DIR.")


def _model_folder(folder: Path) -> str:
    """``folder`` if it holds a model generation can load.

    Raises:
        ValueError: a dora XP (training) folder, which must be exported first, or a folder without a model.
    """
    if (folder / CHECKPOINT_NAME).is_file() or all((folder / f).is_file() for f in MUSICGEN_FILES):
        return str(folder)
    if is_xp_folder(folder):
        raise ValueError(_training_folder(str(folder)))
    raise ValueError(f"{folder}: not a model folder: it holds neither {CHECKPOINT_NAME} (an exported Expotion "
                     f"model) nor {' and '.join(MUSICGEN_FILES)} (a MusicGen).")


def resolve_model_name(name: str) -> str:
    """``name`` as :meth:`ExpotionGen.get_pretrained` takes it: ``demo`` and checkpoint files become folders.

    Checks files and names only (no torch, no network), so the CLI reports a wrong ``--model`` at once.

    Raises:
        ValueError: ``name`` is a missing path, a folder or file without a model (a training folder:
            the message gives the export command), an unknown name, or ``demo`` is not installed.
    """
    if name == DEMO_MODEL:
        if not (DEMO_MODEL_DIR / CHECKPOINT_NAME).is_file():
            raise ValueError(f"the demo model is missing from this installation ({DEMO_MODEL_DIR / CHECKPOINT_NAME}); "
                             "reinstall the package or pass --model tiny.")
        return str(DEMO_MODEL_DIR)
    if name in MUSICGEN_SHORT_NAMES or name in preset_names():
        return name
    path = Path(name).expanduser()
    if path.is_file():
        if path.name != CHECKPOINT_NAME:
            raise ValueError(f"{path}: not an Expotion model; pass an exported model folder (holding "
                             f"{CHECKPOINT_NAME}) or that file.")
        return str(path.parent)
    if path.is_dir():
        return _model_folder(path)
    if _is_hub_id(name):
        return name
    if re.fullmatch(XP_SIGNATURE, name):
        raise ValueError(f"{name}: no such model file or folder; a dora XP signature is a training run, "
                         f"export it first: python -m audiocraft_expotion.export {name} OUT_DIR, then pass --model OUT_DIR.")
    names = ", ".join([DEMO_MODEL, *preset_names(), *MUSICGEN_SHORT_NAMES])
    raise ValueError(f"{name}: no such model file or folder (--model takes an exported Expotion model folder, "
                     f"a MusicGen folder or hub id NAMESPACE/NAME, or one of {names}).")


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
    import torch
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


def model_notice(model: "ExpotionGen", name: str) -> tp.Optional[Notice]:
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


def load_generation_model(name: str, extractors: tp.Mapping[str, "Extractor"], device: tp.Optional[str] = None
                          ) -> tp.Tuple["ExpotionGen", tp.Optional[Notice]]:
    """The model ``name`` on ``device`` (a fresh adaptor gets the widths of ``extractors``) and its notice.

    Raises:
        ValueError: bad name or device, or the model cannot be loaded (offline hub name, unreadable
            or mismatched checkpoint); the message says what to pass instead.
    """
    import torch
    from ..models.music import load_model
    device = check_device(device)
    folder = resolve_model_name(name)
    try:
        model = load_model(folder, extractors, device)
    except torch.OutOfMemoryError:
        raise
    except RuntimeError as exc:  # the loaders' errors name the model and say what to pass instead
        raise ValueError(str(exc)) from exc
    return model, model_notice(model, name)
