"""Per-clip metadata: the ``.json`` file next to each audio file of a video-music dataset.

As with audiocraft's ``MusicDataset``, the metadata of ``clips/owl.wav`` is ``clips/owl.json``::

    {
      "name": "owl",
      "description": "An upbeat jazz tune with piano and drums.",   # generated caption, or null
      "generic_prompt": "music with catchy melody",
      "features": {"marlin": "../features/owl.marlin.npz", "synchformer": "/abs/owl.synchformer.npz"},
      "source": "/data/videos/owl.mp4"                                 # original clip, or null
    }

``features`` maps an extractor name to a feature file (see :mod:`feature_io`), either absolute or
relative to the folder of the json file. Clip time 0 is sample 0 of the audio file.
"""
import json
import os
import typing as tp
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from ..utils.atomic import atomic_write_bytes

GENERIC_PROMPT = "music with catchy melody"
PROMPTS: tp.Tuple[str, ...] = ("generated", "generic")


class ClipInfoError(ValueError):
    """A clip's json metadata is missing or invalid."""


@dataclass
class ClipInfo:
    """Metadata of one clip: its prompts and its feature files by extractor name."""
    name: str
    features: tp.Dict[str, str] = field(default_factory=dict)
    description: tp.Optional[str] = None
    generic_prompt: str = GENERIC_PROMPT
    source: tp.Optional[str] = None

    def prompt(self, kind: str) -> tp.Optional[str]:
        """Text prompt of ``kind``: ``"generated"`` (the caption) or ``"generic"``."""
        if kind not in PROMPTS:
            raise ValueError(f"Unknown prompt kind {kind!r}, expected one of {PROMPTS}.")
        return self.description if kind == "generated" else self.generic_prompt


def clip_info_path(audio_path: tp.Union[str, Path]) -> Path:
    """The json metadata of an audio file: same path, ``.json`` suffix."""
    return Path(audio_path).with_suffix(".json")


def feature_path(info_path: tp.Union[str, Path], clip: ClipInfo, extractor: str) -> Path:
    """Absolute path of the ``extractor`` features of ``clip`` whose json is ``info_path``."""
    if extractor not in clip.features:
        raise ClipInfoError(f"{info_path}: no '{extractor}' features listed "
                            f"(has {sorted(clip.features) or 'none'}).")
    return Path(os.path.normpath(Path(info_path).parent / clip.features[extractor]))


def relative_to_info(info_path: tp.Union[str, Path], path: tp.Union[str, Path]) -> str:
    """``path`` written relative to the folder of ``info_path`` (how :func:`feature_path` reads it)."""
    return os.path.relpath(Path(path).absolute(), Path(info_path).absolute().parent)


def load_clip_info(path: tp.Union[str, Path]) -> ClipInfo:
    """Read a clip's json metadata (other keys, e.g. genre or bpm, are ignored); errors name the file."""
    path = Path(path)
    if not path.is_file():
        raise ClipInfoError(f"{path}: clip metadata does not exist.")
    try:
        data = json.loads(path.read_text())
        info = ClipInfo(**{f.name: data[f.name] for f in fields(ClipInfo) if f.name in data})
    except (ValueError, TypeError) as exc:
        raise ClipInfoError(f"{path}: invalid clip metadata ({exc}).") from exc
    if not isinstance(info.features, dict):
        raise ClipInfoError(f"{path}: 'features' must map extractor names to files.")
    return info


def save_clip_info(path: tp.Union[str, Path], info: ClipInfo) -> None:
    """Atomically write a clip's json metadata."""
    text = json.dumps(asdict(info), indent=2) + "\n"
    atomic_write_bytes(path, lambda f: f.write(text.encode("utf-8")))
