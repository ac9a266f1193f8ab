"""Reading audiocraft manifests (``data.jsonl`` / ``data.jsonl.gz`` of ``AudioMeta`` rows) with errors
that name the file, the line and the problem.

audiocraft's own ``load_audio_meta`` raises a bare ``TypeError`` for a row without ``duration`` and
resolves paths through its cluster environment (which needs a "teams" config file that a pip
install lacks); this reader needs neither.
"""
import gzip
import json
import typing as tp
from pathlib import Path

from audiocraft.data.audio_dataset import AudioMeta

MANIFEST_NAMES = ("data.jsonl", "data.jsonl.gz")


class ManifestError(ValueError):
    """A manifest is missing or has an invalid row."""


def manifest_file(path: tp.Union[str, Path]) -> Path:
    """The manifest of a split folder (``data.jsonl`` or ``data.jsonl.gz``), or ``path`` if it is a file."""
    path = Path(path)
    if path.is_file():
        return path
    for name in MANIFEST_NAMES:
        if (path / name).is_file():
            return path / name
    raise ManifestError(f"{path}: no manifest ({' or '.join(MANIFEST_NAMES)}); build one with "
                        "`python -m audiocraft_expotion.data.build_manifest`.")


def _row(data: tp.Any, where: str) -> AudioMeta:
    if not isinstance(data, dict):
        raise ManifestError(f"{where}: expected a JSON object, got {type(data).__name__}.")
    for key, kind in (("path", str), ("duration", (int, float)), ("sample_rate", int)):
        if data.get(key) is None:
            raise ManifestError(f"{where}: row has no '{key}' (audiocraft AudioMeta needs path, duration, "
                                "sample_rate).")
        if not isinstance(data[key], kind) or isinstance(data[key], bool):
            raise ManifestError(f"{where}: '{key}' must be a {getattr(kind, '__name__', 'number')}, got {data[key]!r}.")
    if not data["duration"] > 0 or not data["sample_rate"] > 0:
        raise ManifestError(f"{where}: duration and sample_rate must be positive, got {data['duration']} s at "
                            f"{data['sample_rate']} Hz.")
    try:
        meta = AudioMeta.from_dict(data)
    except (TypeError, ValueError) as exc:
        raise ManifestError(f"{where}: invalid row ({exc}).") from exc
    meta.path = str(Path(meta.path).absolute())
    return meta


def load_manifest(path: tp.Union[str, Path]) -> tp.Tuple[Path, tp.List[AudioMeta]]:
    """``(manifest file, rows)`` of a split folder or manifest file.

    Raises:
        ManifestError: no manifest, an unparsable line, or a row without a valid path / duration (s) /
            sample_rate (Hz); the message gives ``file:line``.
    """
    path = manifest_file(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        lines = f.read().splitlines()
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError as exc:
            raise ManifestError(f"{path}:{number}: not valid JSON ({exc}).") from exc
        rows.append(_row(data, f"{path}:{number}"))
    if not rows:
        raise ManifestError(f"{path}: the manifest has no clips.")
    return path, rows
