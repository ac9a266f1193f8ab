"""Pairing generated and reference audio files by file stem.

Files are matched on their name without suffix (``owl_clip3.wav`` <-> ``owl_clip3.mp4``);
files on one side only are kept in :class:`Pairing` so that reports can list them.
"""
import typing as tp
from dataclasses import dataclass, field
from pathlib import Path

from ..media import AUDIO_SUFFIXES


@dataclass
class Pairing:
    """Matched ``(stem, generated, reference)`` triples and the files left unmatched."""
    pairs: tp.List[tp.Tuple[str, Path, Path]] = field(default_factory=list)
    generated_only: tp.List[Path] = field(default_factory=list)
    reference_only: tp.List[Path] = field(default_factory=list)


def list_audio_files(folder: tp.Union[str, Path], suffixes: tp.Sequence[str] = AUDIO_SUFFIXES
                     ) -> tp.Dict[str, Path]:
    """Map stem -> path of the files in ``folder`` (not recursive) whose suffix is in ``suffixes``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: not a folder")
    files: tp.Dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.suffix.lower() not in suffixes:
            continue
        if path.stem in files:
            raise ValueError(f"{folder}: two files share the stem '{path.stem}': {files[path.stem].name}, {path.name}")
        files[path.stem] = path
    return files


def pair_by_stem(generated_dir: tp.Union[str, Path], reference_dir: tp.Union[str, Path]) -> Pairing:
    """Pair the audio files of ``generated_dir`` and ``reference_dir`` by stem (sorted by stem)."""
    generated = list_audio_files(generated_dir)
    reference = list_audio_files(reference_dir)
    return Pairing(
        pairs=[(stem, generated[stem], reference[stem]) for stem in sorted(generated.keys() & reference.keys())],
        generated_only=[generated[s] for s in sorted(generated.keys() - reference.keys())],
        reference_only=[reference[s] for s in sorted(reference.keys() - generated.keys())],
    )
