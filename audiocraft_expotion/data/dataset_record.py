"""``DATA/dataset.json``: what a video-music dataset folder holds, written by :mod:`build_manifest`.

::

    {
      "extractors": {"mediapipe_face": {"name": ..., "modality": "face", "dim": 317, "fps": 10.0,
                                        "version": "1", "settings": {...}, "weights_sha256": null}, ...},
      "captions": false,                        # generated captions given (--captions)?
      "splits": {"train": ["owl", ...], "valid": [...], "evaluate": [...], "generate": [...]},
      "skipped": {"bad_clip": ["problem", ...]}  # clips left out by --skip-bad
    }

The manifests themselves are audiocraft's: ``DATA/<split>/data.jsonl``. The solver reads this file to
match the visual conditioner to the features (``dora run solver=expotion/smoke expotion.data=DATA``).
"""
import json
import typing as tp
from dataclasses import dataclass, field
from pathlib import Path

from .extractor_record import ExtractorRecord
from ..utils.atomic import atomic_write_text

DATASET_RECORD = "dataset.json"


class DatasetRecordError(ValueError):
    """``dataset.json`` is missing or invalid."""


@dataclass
class DatasetRecord:
    """The extractors of a dataset's features (by extractor name), captions yes/no, clips by split."""
    extractors: tp.Dict[str, ExtractorRecord] = field(default_factory=dict)
    captions: bool = False
    splits: tp.Dict[str, tp.List[str]] = field(default_factory=dict)
    skipped: tp.Dict[str, tp.List[str]] = field(default_factory=dict)

    def of_modality(self, modality: str) -> tp.List[ExtractorRecord]:
        return [r for r in self.extractors.values() if r.modality == modality]


def save_dataset_record(folder: tp.Union[str, Path], record: DatasetRecord) -> Path:
    """Atomically write ``folder/dataset.json``; returns its path."""
    path = Path(folder) / DATASET_RECORD
    data = {"extractors": {name: r.to_dict() for name, r in record.extractors.items()},
            "captions": record.captions, "splits": record.splits, "skipped": record.skipped}
    atomic_write_text(path, json.dumps(data, indent=2) + "\n")
    return path


def load_dataset_record(folder: tp.Union[str, Path]) -> DatasetRecord:
    """Read ``folder/dataset.json``; errors name the file and say how to make it."""
    path = Path(folder) / DATASET_RECORD
    if not path.is_file():
        raise DatasetRecordError(f"{path}: does not exist; is {folder} a folder written by "
                                 "`python -m audiocraft_expotion.data.build_manifest CLIPS --features FEATS "
                                 f"--out {folder}`?")
    try:
        data = json.loads(path.read_text())
        return DatasetRecord(extractors={name: ExtractorRecord.from_dict(r) for name, r in data["extractors"].items()},
                             captions=bool(data.get("captions")), splits=dict(data.get("splits") or {}),
                             skipped=dict(data.get("skipped") or {}))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DatasetRecordError(f"{path}: invalid dataset record ({type(exc).__name__}: {exc}).") from exc
