"""Which feature extractors a generation uses: by default those a model records it was trained on.

An exported model records, per modality, the extractor that made its training features
(:mod:`audiocraft_expotion.data.extractor_record`). Generation uses the same ones unless told
otherwise; a choice that cannot match the model (another extractor, another width) fails before any
extraction, naming the option that fixes it. Models without a record (``tiny``, a hub MusicGen)
use :data:`~audiocraft_expotion.features.DEFAULT_EXTRACTORS`. Used by the generate CLI / app and by
``ExpotionGen.generate_with_video(videos=...)``.
"""
import logging
import typing as tp

from ..data.extractor_record import ExtractorMismatchError, ExtractorRecord
from ..names import MODALITIES
from . import DEFAULT_EXTRACTORS, PRETRAINED, build_extractor
from .base import Extractor

logger = logging.getLogger(__name__)


def build_extractors(names: tp.Mapping[str, str],
                     checkpoints: tp.Optional[tp.Mapping[str, tp.Optional[str]]] = None,
                     random_weights: bool = False) -> tp.Dict[str, Extractor]:
    """One extractor per modality: ``names`` maps ``face`` / ``motion`` to an extractor name
    (:func:`~audiocraft_expotion.features.build_extractor` for the checkpoints and errors)."""
    checkpoints = checkpoints or {}
    return {modality: build_extractor(name, checkpoints.get(modality), random_weights=random_weights)
            for modality, name in names.items()}


def record_of(extractor: Extractor) -> ExtractorRecord:
    """The record an extractor's features would carry."""
    return ExtractorRecord.from_meta(extractor.name, extractor.fingerprint(), extractor.dim, extractor.fps)


def choose_extractors(records: tp.Mapping[str, ExtractorRecord],
                      modalities: tp.Optional[tp.Sequence[str]] = None,
                      names: tp.Optional[tp.Mapping[str, tp.Optional[str]]] = None,
                      checkpoints: tp.Optional[tp.Mapping[str, tp.Optional[str]]] = None,
                      random_weights: bool = False) -> tp.Tuple[tp.Dict[str, Extractor], tp.List[str]]:
    """Extractors per modality, and the names of those running with random weights.

    Args:
        records: what the model was trained on (``{}``: no record).
        modalities: modalities to extract (default: the recorded ones, else face and motion).
        names: explicit extractor per modality (None: the recorded one, else the default).
        checkpoints: weights of pretrained extractors per modality.
        random_weights: allow pretrained extractors without weights (tests).
    Raises:
        ExtractorMismatchError: a choice differs from the record in name or width (names the option).
        ValueError: a pretrained extractor without weights and without ``random_weights``.
    """
    names, checkpoints = dict(names or {}), dict(checkpoints or {})
    modalities = tuple(modalities or records or MODALITIES)
    unknown = [m for m in modalities if records and m not in records]
    if unknown:
        raise ExtractorMismatchError(f"the model was trained without {'/'.join(unknown)} features; pass "
                                     f"--features {','.join(records)}.")
    chosen = {}
    for modality in modalities:
        record = records.get(modality)
        chosen[modality] = names.get(modality) or (record.name if record else DEFAULT_EXTRACTORS[modality])
        if record is not None and chosen[modality] != record.name:
            raise ExtractorMismatchError(f"the model was trained on {record.name} {modality} features; pass "
                                         f"{record.flag(modality)} (or leave --{modality}-extractor out).")
    extractors = build_extractors(chosen, checkpoints, random_weights)
    for modality, extractor in extractors.items():
        record = records.get(modality)
        differences = [] if record is None else record.differences(record_of(extractor))
        if any(d.startswith("dim") for d in differences):
            raise ExtractorMismatchError(f"{modality} extractor {extractor.name}: {'; '.join(differences)} "
                                         "(model vs now); pass the settings the model was trained with.")
        if differences:
            logger.warning("%s extractor %s differs from the model's training features: %s.",
                           modality, extractor.name, "; ".join(differences))
    random = [name for m, name in chosen.items() if name in PRETRAINED and checkpoints.get(m) is None]
    return extractors, random
