"""Validation of a video-music dataset before training: every problem of every clip, by file.

For each clip (an audiocraft ``AudioMeta`` whose ``.json`` metadata lies next to the audio):

- the audio file and its json exist and the json is valid;
- each required extractor is listed and its feature file loads (exists, ``[T, D]``, finite: see
  :func:`feature_io.load_features`);
- the features cover the audio: they start at most ``tolerance`` seconds after clip time 0 and end
  at most ``tolerance`` seconds before the end of the audio;
- the generated caption exists when ``prompt="generated"``;
- all clips have the same feature width per extractor (otherwise batches cannot be collated).
"""
import typing as tp
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from audiocraft.data.audio_dataset import AudioMeta

from .clip_info import ClipInfoError, clip_info_path, feature_path, load_clip_info
from .feature_io import FeatureFileError, load_features

DEFAULT_TOLERANCE = 0.25


@dataclass
class ClipReport:
    """Result of checking one clip: ``problems`` (each naming its file first), and the ``files`` and
    widths (``dims``) of its valid features, by extractor."""
    name: str
    problems: tp.List[str] = field(default_factory=list)
    files: tp.Dict[str, Path] = field(default_factory=dict)
    dims: tp.Dict[str, int] = field(default_factory=dict)

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


def check_clip(meta: AudioMeta, extractors: tp.Sequence[str], tolerance: float = DEFAULT_TOLERANCE,
               prompt: tp.Optional[str] = None) -> ClipReport:
    """Check one clip: its audio, json, the features of ``extractors`` and, if given, its ``prompt``."""
    info_path = clip_info_path(meta.path)
    report = ClipReport(name=info_path.stem)
    if not Path(meta.path).is_file():
        report.problems.append(f"{meta.path}: audio file does not exist.")
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
        report.files[extractor], report.dims[extractor] = path, features.dim
        end = features.start + features.duration
        report.problems += _coverage_problems(path, features.start, end, meta.duration, tolerance)
    return report


def check_widths(reports: tp.List[ClipReport]) -> None:
    """Add a problem to the clips whose feature width differs from the most common one (per extractor)."""
    extractors = {e for r in reports for e in r.dims}
    for extractor in sorted(extractors):
        widths = Counter(r.dims[extractor] for r in reports if extractor in r.dims)
        common = widths.most_common(1)[0][0]
        for report in reports:
            if report.dims.get(extractor, common) != common:
                report.problems.append(f"{report.files[extractor]}: feature width "
                                       f"{report.dims[extractor]} differs from the width {common} of the "
                                       f"other clips.")


def check_clips(metas: tp.Sequence[AudioMeta], extractors: tp.Sequence[str],
                tolerance: float = DEFAULT_TOLERANCE, prompt: tp.Optional[str] = None) -> tp.List[ClipReport]:
    """Check all clips (see :func:`check_clip`) and their feature widths; one report per clip."""
    reports = [check_clip(meta, extractors, tolerance, prompt) for meta in metas]
    check_widths(reports)
    return reports


def format_report(reports: tp.List[ClipReport]) -> str:
    """Human-readable list of every problem of every bad clip."""
    bad = [r for r in reports if not r.ok]
    lines = [f"{len(bad)} of {len(reports)} clips have problems:"]
    for report in bad:
        lines.append(f"  {report.name}:")
        lines += [f"    {problem}" for problem in report.problems]
    return "\n".join(lines)
