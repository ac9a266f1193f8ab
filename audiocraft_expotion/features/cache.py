"""The one rule for stored features, used by ``features extract`` output folders and the generate cache.

The features of video ``.../clip.mp4`` by extractor ``name`` live in ``FOLDER/clip.<name>.npz``
(:mod:`audiocraft_expotion.data.feature_io`, written atomically). Every file records in its ``meta``:

- ``source``: the video's identity (:class:`VideoIdentity`: resolved path, size, mtime and SHA-256 of
  its bytes);
- the extractor's :meth:`~.base.Extractor.fingerprint`: name, version, settings, weights checksum.

A stored file is reused only if it loads (a half-written or truncated file never does) and all of
these match the current video (by content hash, so a moved file still matches) and extractor.
Otherwise:

- the same video changed (replaced at the same path), or the extractor changed: extract again and
  replace the file;
- the file holds the features of *another* video with the same file name (a different path and
  content): :class:`FeatureCollision`, naming both videos, instead of silently mixing them up.
  Within one run, :func:`check_names` refuses same-named videos up front.
"""
import hashlib
import logging
import typing as tp
from dataclasses import asdict, dataclass
from pathlib import Path

from ..data.feature_io import FeatureFile, FeatureFileError, feature_file_name, load_features, save_features
from ..media.container import MediaError
from .base import Extractor

logger = logging.getLogger(__name__)
_CHUNK = 1 << 20


class FeatureCollision(ValueError):
    """Two different videos would share one feature file (same file name). Names both."""


@dataclass(frozen=True)
class VideoIdentity:
    """Which video a feature file belongs to: resolved ``path``, ``size`` (bytes), ``mtime_ns`` and
    ``sha256`` of its contents (the content hash decides; path and time are kept for messages)."""
    path: str
    size: int
    mtime_ns: int
    sha256: str

    @classmethod
    def of(cls, video: tp.Union[str, Path]) -> "VideoIdentity":
        """Identity of the file ``video`` (reads it once to hash it).

        Raises:
            MediaError: ``video`` does not exist or is not a file.
        """
        path = Path(video).resolve()
        if not path.is_file():
            raise MediaError(f"{video}: file does not exist." if not path.exists() else f"{video}: not a file.")
        stat = path.stat()
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(_CHUNK), b""):
                digest.update(chunk)
        return cls(path=str(path), size=stat.st_size, mtime_ns=stat.st_mtime_ns, sha256=digest.hexdigest())


def feature_path(folder: tp.Union[str, Path], video: tp.Union[str, Path], extractor: Extractor) -> Path:
    """``FOLDER/<video stem>.<extractor name>.npz``."""
    return Path(folder) / feature_file_name(Path(video).stem, extractor.name)


def check_names(videos: tp.Sequence[Path]) -> None:
    """Raise :class:`FeatureCollision` if two different files of ``videos`` have the same stem (they
    would share feature files); lists every such group."""
    by_stem: tp.Dict[str, tp.List[Path]] = {}
    for video in dict.fromkeys(Path(v).resolve() for v in videos):
        by_stem.setdefault(video.stem, []).append(video)
    clashes = [paths for paths in by_stem.values() if len(paths) > 1]
    if clashes:
        listed = "; ".join(" and ".join(map(str, paths)) for paths in clashes)
        raise FeatureCollision(f"videos with the same name would share feature files: {listed}. "
                               f"Rename them or extract them into different output folders.")


def _stored_source(stored: FeatureFile) -> tp.Dict[str, tp.Any]:
    source = stored.meta.get("source")
    if isinstance(source, dict):
        return source
    legacy = stored.meta.get("video")  # files written before identities were recorded
    return {"path": str(Path(legacy).resolve()) if legacy else None, "sha256": None}


def lookup(folder: tp.Union[str, Path], identity: VideoIdentity, extractor: Extractor) -> tp.Optional[FeatureFile]:
    """The stored features of the video ``identity`` by ``extractor`` in ``folder``, or None when they
    must be extracted (missing, unreadable, other video version or extractor fingerprint).

    Raises:
        FeatureCollision: the file holds the features of another video with the same name.
    """
    path = feature_path(folder, identity.path, extractor)
    if not path.exists():
        return None
    try:
        stored = load_features(path)
    except FeatureFileError as exc:
        logger.warning("%s; extracting again.", exc)
        return None
    source = _stored_source(stored)
    if source.get("sha256") != identity.sha256:
        if source.get("path") != identity.path:
            raise FeatureCollision(
                f"{path}: holds the features of {source.get('path')}, a different video with the same name as "
                f"{identity.path}; use another output/cache folder, rename the clip, or delete the file.")
        logger.info("%s: %s changed since its features were extracted; extracting again.", path, identity.path)
        return None
    current = extractor.fingerprint()
    changed = [key for key, value in current.items() if stored.meta.get(key) != value]
    if changed:
        logger.info("%s: extractor %s differs (%s); extracting again.", path, extractor.name, ", ".join(changed))
        return None
    return stored


def store(folder: tp.Union[str, Path], identity: VideoIdentity, features: FeatureFile,
          extractor: Extractor) -> Path:
    """Write ``features`` of the video ``identity`` by ``extractor`` atomically; returns the file."""
    path = feature_path(folder, identity.path, extractor)
    save_features(path, FeatureFile(features=features.features, fps=features.fps, start=features.start,
                                    meta={**features.meta, "source": asdict(identity)}))
    return path
