"""Validation of a video-music dataset before training: every problem of every clip, by file.

For each clip (an audiocraft ``AudioMeta`` whose ``.json`` metadata lies next to the audio):

- the audio file exists, is readable and holds samples; the manifest's ``duration`` is not longer
  than the file (a stale manifest);
- its json exists and is valid;
- each required extractor is listed and its feature file loads (exists, ``[T, D]``, finite: see
  :func:`feature_io.load_features`);
- the features cover the audio: they start at most ``tolerance`` seconds after clip time 0 and end
  at most ``tolerance`` seconds before the end of the audio;
- the generated caption exists when ``prompt="generated"``;
- all clips have the same features per extractor: width (otherwise batches cannot be collated),
  version, settings and weights (otherwise they are not the same features).
"""
import typing as tp
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import soundfile

from .clip_info import ClipInfoError, clip_info_path, feature_path, load_clip_info
from .extractor_record import ExtractorRecord
from .feature_io import FeatureFileError, load_features

if tp.TYPE_CHECKING:  # audiocraft is imported where used (see build_manifest: path errors come first)
    from audiocraft.data.audio_dataset import AudioMeta

DEFAULT_TOLERANCE = 0.25
DURATION_TOLERANCE = 0.05  # seconds a manifest duration may exceed the audio file (codec rounding)


@dataclass
class ClipReport:
    """Result of checking one clip: ``problems`` (each naming its file first), and the ``files`` and
    extractor ``records`` (width, fps, version, settings, ...) of its valid features, by extractor."""
    name: str
    problems: tp.List[str] = field(default_factory=list)
    files: tp.Dict[str, Path] = field(default_factory=dict)
    records: tp.Dict[str, ExtractorRecord] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


class ClipCheckError(ValueError):
    """Some clips of a dataset are unusable; the message lists every problem."""

    def __init__(self, reports: tp.List[ClipReport]):
        self.reports = reports
        super().__init__(format_report(reports))


def _coverage_problems(path: Path, start: float, end: float, audio_duration: float,
                       tolerance: float) -> tp.List[str]:
    problems = []
    if start > tolerance:
        problems.append(f"{path}: features start at {start:.3f} s, more than {tolerance} s after the "
                        f"audio start (0 s).")
    if end < audio_duration - tolerance:
        problems.append(f"{path}: features end at {end:.3f} s, more than {tolerance} s before the end of "
                        f"the audio ({audio_duration:.3f} s).")
    return problems


class AudioFileError(ValueError):
    """An audio file is missing, unreadable or empty; the message names it."""


def audio_duration(path: tp.Union[str, Path]) -> float:
    """Duration (s) of an audio file, by audiocraft's ``audio_info``.

    Raises:
        AudioFileError: missing, unreadable, or 0 samples (audiocraft's own error for an empty
            file is "unsupported operand type(s) for *: 'NoneType' and 'Fraction'").
    """
    from audiocraft.data.audio import audio_info
    path = Path(path)
    if not path.is_file():
        raise AudioFileError(f"{path}: audio file does not exist.")
    try:
        duration = float(audio_info(path).duration or 0.)
    except Exception as exc:  # PyAV / soundfile raise many types; an empty stream has no duration (TypeError)
        try:
            empty = soundfile.info(str(path)).frames == 0
        except Exception:
            empty = False
        if not empty:
            raise AudioFileError(f"{path}: unreadable audio file ({type(exc).__name__}: {exc}).") from exc
        duration = 0.
    if not duration > 0:
        raise AudioFileError(f"{path}: audio file is empty (0 samples).")
    return duration


def audio_problems(meta: "AudioMeta", manifest: tp.Optional[Path] = None) -> tp.List[str]:
    """Problems of a clip's audio file: missing, unreadable, no samples, shorter than ``meta.duration``
    (then the ``manifest`` the row came from is out of date)."""
    path = Path(meta.path)
    try:
        duration = audio_duration(path)
    except AudioFileError as exc:
        return [str(exc)]
    if meta.duration > duration + DURATION_TOLERANCE:
        source = f"the manifest {manifest}" if manifest is not None else "the manifest"
        return [f"{source}: its row for {path} says duration {meta.duration:.3f} s but the file has only "
                f"{duration:.3f} s (the manifest is out of date: rebuild it with build_manifest)."]
    return []


def check_clip(meta: "AudioMeta", extractors: tp.Sequence[str], tolerance: float = DEFAULT_TOLERANCE,
               prompt: tp.Optional[str] = None, manifest: tp.Optional[Path] = None) -> ClipReport:
    """Check one clip: its audio (see :func:`audio_problems`), json, the features of ``extractors``
    and, if given, its ``prompt``."""
    info_path = clip_info_path(meta.path)
    report = ClipReport(name=info_path.stem)
    report.problems += audio_problems(meta, manifest)
    try:
        clip = load_clip_info(info_path)
    except ClipInfoError as exc:
        report.problems.append(str(exc))
        return report
    if prompt is not None and clip.prompt(prompt) is None:
        report.problems.append(f"{info_path}: no text for prompt={prompt!r} (the 'description' is null).")
    for extractor in extractors:
        try:
            path = feature_path(info_path, clip, extractor)
            features = load_features(path)
        except (ClipInfoError, FeatureFileError) as exc:
            report.problems.append(str(exc))
            continue
        report.files[extractor] = path
        report.records[extractor] = ExtractorRecord.from_meta(extractor, features.meta, features.dim, features.fps)
        end = features.start + features.duration
        report.problems += _coverage_problems(path, features.start, end, meta.duration, tolerance)
    return report


def common_records(reports: tp.List[ClipReport]) -> tp.Dict[str, ExtractorRecord]:
    """The most common record (width, version, settings, weights) of each extractor over the clips
    (the fps may differ from clip to clip and is that of the first such clip)."""
    common = {}
    for extractor in sorted({e for r in reports for e in r.records}):
        found = [r.records[extractor] for r in reports if extractor in r.records]
        key, _ = Counter(_identity(record) for record in found).most_common(1)[0]
        common[extractor] = next(record for record in found if _identity(record) == key)
    return common


def _identity(record: ExtractorRecord) -> str:
    return repr((record.dim, record.version, sorted(record.settings.items()), record.weights_sha256))


def check_consistency(reports: tp.List[ClipReport]) -> None:
    """Add a problem to the clips whose features differ (width, version, settings, weights) from those
    of the most common kind, per extractor."""
    for extractor, common in common_records(reports).items():
        for report in reports:
            record = report.records.get(extractor)
            if record is not None and _identity(record) != _identity(common):
                report.problems.append(f"{report.files[extractor]}: features differ from those of the other "
                                       f"clips ({'; '.join(record.differences(common))}).")


def check_clips(metas: tp.Sequence["AudioMeta"], extractors: tp.Sequence[str],
                tolerance: float = DEFAULT_TOLERANCE, prompt: tp.Optional[str] = None,
                manifest: tp.Optional[Path] = None) -> tp.List[ClipReport]:
    """Check all clips (see :func:`check_clip`) and that their features agree; one report per clip."""
    reports = [check_clip(meta, extractors, tolerance, prompt, manifest) for meta in metas]
    check_consistency(reports)
    return reports


def format_report(reports: tp.List[ClipReport]) -> str:
    """Human-readable list of every problem of every bad clip."""
    bad = [r for r in reports if not r.ok]
    lines = [f"{len(bad)} of {len(reports)} clips have problems:"]
    for report in bad:
        lines.append(f"  {report.name}:")
        lines += [f"    {problem}" for problem in report.problems]
    return "\n".join(lines)
