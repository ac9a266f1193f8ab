"""Match an XP's visual conditioner to the features of its dataset folder (``expotion.data=DIR``).

``DIR`` is a folder written by :mod:`audiocraft_expotion.data.build_manifest`: ``DIR/<split>/data.jsonl``
and ``DIR/dataset.json`` (:mod:`audiocraft_expotion.data.dataset_record`). Each of these keys of
``cfg.expotion`` may be ``auto`` (the ``expotion/smoke`` preset sets them all):

=====================  =================================================================
``modalities``         the modalities (face / motion) that have features in ``DIR``
``face_extractor``     the one face extractor of ``DIR`` (an error lists them if several)
``motion_extractor``   the one motion extractor of ``DIR``
``face_dim``           width of those features; ``motion_dim`` likewise
``prompt``             ``generated`` if ``DIR`` has captions, else ``generic``
=====================  =================================================================

An explicit value that contradicts ``DIR`` (an extractor it lacks, another width) fails at once,
naming the override that fixes it. The chosen extractors' records (name, version, settings,
weights checksum, width, fps) go to ``cfg.expotion.extractors``, so checkpoints and exported models
know which features they need (:func:`audiocraft_expotion.data.extractor_record.read_extractor_record`).
The frame rates need no setting: the conditioner resamples any rate (paper eq. 1).
"""
import typing as tp
from pathlib import Path

import omegaconf

from ..data.dataset_record import DatasetRecord, load_dataset_record
from ..data.extractor_record import RECORD_KEY, ExtractorRecord, records_to_config
from ..names import MODALITIES

AUTO = "auto"


class DataMismatchError(ValueError):
    """The XP config and its dataset folder disagree; the message names the override to set."""


def _is_auto(value: tp.Any) -> bool:
    return isinstance(value, str) and value == AUTO


def _choose_extractor(modality: str, wanted: tp.Any, record: DatasetRecord, data: Path) -> tp.Optional[ExtractorRecord]:
    key = f"expotion.{modality}_extractor"
    if not _is_auto(wanted):
        if wanted is None:
            return None
        if wanted not in record.extractors:
            raise DataMismatchError(f"{key}={wanted}, but {data} has no '{wanted}' features (it has "
                                    f"{sorted(record.extractors) or 'none'}): set {key}=NAME to one of those, or "
                                    f"extract '{wanted}' features and rebuild {data} with build_manifest.")
        return record.extractors[wanted]
    candidates = record.of_modality(modality)
    if len(candidates) > 1:
        raise DataMismatchError(f"{data} has several {modality} features ({[c.name for c in candidates]}): "
                                f"choose one with {key}=NAME.")
    return candidates[0] if candidates else None


def _check_dim(modality: str, value: tp.Any, extractor: ExtractorRecord, data: Path) -> int:
    if _is_auto(value) or value == extractor.dim:
        return extractor.dim
    raise DataMismatchError(f"expotion.{modality}_dim={value}, but the '{extractor.name}' features of {data} are "
                            f"{extractor.dim}-d: set expotion.{modality}_dim={extractor.dim} (or leave it auto).")


def match_dataset(cfg: omegaconf.DictConfig, data: tp.Optional[Path]) -> None:
    """Resolve the ``auto`` keys of ``cfg.expotion`` (in place) from the dataset folder ``data``.

    Args:
        cfg: the XP config (its ``expotion`` section is updated).
        data: absolute path of ``expotion.data`` (None when unset).
    Raises:
        DataMismatchError: a key is ``auto`` without ``expotion.data``, or the config contradicts
            the dataset (the message names the override to set).
        DatasetRecordError: ``data`` has no valid ``dataset.json``.
    """
    expotion = cfg.expotion
    autos = [k for k in ("modalities", "face_extractor", "motion_extractor", "face_dim", "motion_dim", "prompt")
             if _is_auto(expotion.get(k))]
    if data is None:
        if autos:
            raise DataMismatchError(f"expotion.{autos[0]}=auto needs the dataset folder: set expotion.data=DIR "
                                    "(the --out of build_manifest).")
        return
    record = load_dataset_record(data)
    chosen = {m: _choose_extractor(m, expotion.get(f"{m}_extractor"), record, data) for m in MODALITIES}
    if _is_auto(expotion.get("modalities")):
        modalities = [m for m in MODALITIES if chosen[m] is not None]
        if not modalities:
            unknown = [r.name for r in record.extractors.values() if r.modality not in MODALITIES]
            raise DataMismatchError(f"{data}: no features known to be face or motion features (extractors of "
                                    f"unknown modality: {unknown}): set expotion.face_extractor=NAME and/or "
                                    "expotion.motion_extractor=NAME.")
    else:
        modalities = list(expotion.modalities)
        for m in modalities:
            if chosen[m] is None:
                raise DataMismatchError(f"expotion.modalities has '{m}' but {data} has no {m} features "
                                        f"(extractors: {sorted(record.extractors)}): set expotion.{m}_extractor=NAME "
                                        f"or drop '{m}' from expotion.modalities.")
    used = {m: tp.cast(ExtractorRecord, chosen[m]) for m in modalities}
    with omegaconf.open_dict(cfg):
        expotion.modalities = modalities
        for m in MODALITIES:
            expotion[f"{m}_extractor"] = used[m].name if m in used else None
            expotion[f"{m}_dim"] = _check_dim(m, expotion.get(f"{m}_dim"), used[m], data) if m in used else None
        if _is_auto(expotion.get("prompt")):
            expotion.prompt = "generated" if record.captions else "generic"
        expotion[RECORD_KEY] = records_to_config(used)
