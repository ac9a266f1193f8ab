"""Which feature extractors made a dataset's (and so a trained model's) visual features.

The record of one extractor is read from the ``meta`` of its feature files (written by the features
CLI, see :mod:`feature_io`): name, version, settings, sha256 of its weights, output width ``dim``
and frame rate ``fps`` (Hz), and the modality it serves (``face`` / ``motion``).

Where it is kept:

- ``DATA/dataset.json`` (written by :mod:`build_manifest`): ``{"extractors": {name: record}, ...}``;
- an XP's config and checkpoints, hence every exported model: ``expotion.extractors`` =
  ``{modality: record}`` (set by the solver from the dataset it trains on).

:func:`read_extractor_record` gives the latter back, so that generation extracts the same features
as training did.
"""
import typing as tp
from dataclasses import asdict, dataclass, field
from pathlib import Path

import omegaconf

from ..names import CHECKPOINT_NAME

RECORD_KEY = "extractors"  # under cfg.expotion


class ExtractorMismatchError(ValueError):
    """Features of another extractor (or width, version, settings) than the model was trained on."""


@dataclass(frozen=True)
class ExtractorRecord:
    """One feature extractor as used for training: what makes its features what they are."""
    name: str
    version: str = ""
    settings: tp.Dict[str, tp.Any] = field(default_factory=dict)
    weights_sha256: tp.Optional[str] = None
    dim: int = 0
    fps: float = 0.0
    modality: tp.Optional[str] = None

    @classmethod
    def from_meta(cls, name: str, meta: tp.Mapping[str, tp.Any], dim: int, fps: float) -> "ExtractorRecord":
        """The record of extractor ``name`` (as in the file name) from the ``meta`` of one of its files."""
        return cls(name=name, version=str(meta.get("version", "")),
                   settings=dict(meta.get("settings") or {}), weights_sha256=meta.get("weights_sha256"),
                   dim=int(dim), fps=float(fps), modality=meta.get("modality"))

    @classmethod
    def from_dict(cls, data: tp.Mapping[str, tp.Any]) -> "ExtractorRecord":
        known = {f: data[f] for f in cls.__dataclass_fields__ if f in data}
        return cls(**{**known, "settings": dict(known.get("settings") or {})})

    def to_dict(self) -> tp.Dict[str, tp.Any]:
        return asdict(self)

    def flag(self, modality: str) -> str:
        """The command-line option that selects this extractor for ``modality``."""
        return f"--{modality}-extractor {self.name}"

    def differences(self, other: "ExtractorRecord") -> tp.List[str]:
        """What differs between two records (name, version, settings, weights, width), as text."""
        return [f"{key}: {getattr(self, key)!r} vs {getattr(other, key)!r}"
                for key in ("name", "version", "settings", "weights_sha256", "dim")
                if getattr(self, key) != getattr(other, key)]


def records_to_config(records: tp.Mapping[str, ExtractorRecord]) -> tp.Dict[str, tp.Dict[str, tp.Any]]:
    """``{modality: record}`` as plain containers for ``cfg.expotion.extractors``."""
    return {modality: record.to_dict() for modality, record in records.items()}


def read_extractor_record(model: tp.Union[str, Path, omegaconf.DictConfig]) -> tp.Dict[str, ExtractorRecord]:
    """The extractors (``{modality: record}``) whose features a model was trained on.

    Args:
        model: an exported Expotion folder (holding ``expotion_state_dict.bin``), or the model's LM
            config (``ExpotionGen.lm.cfg``, an XP config).
    Returns:
        ``{"face": ..., "motion": ...}`` for the trained modalities; ``{}`` when the model has no
        record (a hub MusicGen, the ``tiny`` preset, or an export made before records existed).
    Raises:
        RuntimeError: ``model`` is a folder without a readable exported checkpoint.
    """
    if not isinstance(model, omegaconf.DictConfig):
        path = Path(model) / CHECKPOINT_NAME
        if not path.is_file():
            return {}
        import torch
        try:
            model = omegaconf.OmegaConf.create(torch.load(path, map_location="cpu", weights_only=False)["xp.cfg"])
        except Exception as exc:
            raise RuntimeError(f"{path}: not a readable Expotion checkpoint ({type(exc).__name__}: {exc}).") from exc
    expotion = model.get("expotion") or {}
    records = expotion.get(RECORD_KEY) or {}
    return {modality: ExtractorRecord.from_dict(omegaconf.OmegaConf.to_container(record, resolve=True)
                                                if isinstance(record, omegaconf.DictConfig) else record)
            for modality, record in records.items()}
