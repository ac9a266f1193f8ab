"""On-disk format of a clip's visual feature sequence (one file per clip and extractor).

A feature file is a ``.npz`` archive with:

- ``features``: ``float32 [T, D]``, frame ``i`` describes time ``start + i / fps`` seconds of the clip;
- ``fps``: frames per second of the sequence;
- ``start``: time in seconds (clip time, from 0) of frame 0;
- ``meta``: a JSON string with extractor name, version, source video, frame counts, ...

Writes are atomic (temporary file in the same folder, then ``os.replace``), so a killed job
never leaves a truncated file behind; reads validate shape and finiteness and name the file in
every error.

Time: frame ``i`` is the instant ``start + i / fps`` of the clip (:meth:`FeatureFile.times`), and
clip time ``t`` is the fractional frame position ``(t - start) * fps`` (:meth:`FeatureFile.position`).
Training cuts, generation and plots all read a file through these two methods; features between
frames are linearly interpolated (paper eq. 1, :mod:`audiocraft_expotion.modules.temporal`).
"""
import json
import typing as tp
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..utils.atomic import atomic_write_bytes

if tp.TYPE_CHECKING:  # torch is imported when a tensor is asked for: checking files and paths does not load it
    import torch

FEATURE_SUFFIX = ".npz"


def feature_file_name(stem: str, extractor: str) -> str:
    """``<stem>.<extractor>.npz``: the file name of a clip's features (video ``stem``, extractor name)."""
    return f"{stem}.{extractor}{FEATURE_SUFFIX}"


class FeatureFileError(ValueError):
    """A feature file is missing, unreadable or holds invalid features."""


@dataclass
class FeatureFile:
    """A feature sequence as stored on disk: ``features`` is ``[T, D]``."""
    features: np.ndarray
    fps: float
    start: float = 0.0
    meta: tp.Dict[str, tp.Any] = field(default_factory=dict)

    @property
    def num_frames(self) -> int:
        return int(self.features.shape[0])

    @property
    def dim(self) -> int:
        return int(self.features.shape[1])

    @property
    def duration(self) -> float:
        """Seconds covered by the frames, from ``start``."""
        return self.num_frames / self.fps

    def times(self) -> np.ndarray:
        """``[T]`` clip time in seconds of each frame: ``start + i / fps``."""
        return self.start + np.arange(self.num_frames) / self.fps

    def position(self, time: tp.Union[float, "torch.Tensor"]) -> tp.Union[float, "torch.Tensor"]:
        """Fractional frame position of clip time ``time`` (s): ``(time - start) * fps``; inverse of :meth:`times`."""
        return (time - self.start) * self.fps

    def tensor(self) -> "torch.Tensor":
        """``[T, D]`` float32 tensor."""
        import torch
        return torch.from_numpy(np.ascontiguousarray(self.features, dtype=np.float32))


def check_features(features: np.ndarray, source: str) -> None:
    """Raise :class:`FeatureFileError` naming ``source`` unless ``features`` is a finite ``[T>0, D>0]`` array."""
    if features.ndim != 2 or features.shape[0] == 0 or features.shape[1] == 0:
        raise FeatureFileError(f"{source}: expected non-empty [T, D] features, got shape {features.shape}.")
    bad = ~np.isfinite(features)
    if bad.any():
        frames = np.unique(np.nonzero(bad)[0])
        raise FeatureFileError(f"{source}: {bad.sum()} non-finite values (NaN/inf) in frames "
                               f"{frames[:10].tolist()}{'...' if len(frames) > 10 else ''}.")


def save_features(path: tp.Union[str, Path], feature_file: FeatureFile) -> None:
    """Validate and atomically write ``feature_file`` to ``path`` (a ``.npz`` file)."""
    path = Path(path)
    if path.suffix != FEATURE_SUFFIX:
        raise FeatureFileError(f"{path}: feature files must end with {FEATURE_SUFFIX}.")
    features = np.asarray(feature_file.features, dtype=np.float32)
    check_features(features, str(path))
    if not feature_file.fps > 0:
        raise FeatureFileError(f"{path}: fps must be positive, got {feature_file.fps}.")

    def write(f: tp.BinaryIO) -> None:
        np.savez(f, features=features, fps=np.float64(feature_file.fps),
                 start=np.float64(feature_file.start), meta=json.dumps(feature_file.meta))
    atomic_write_bytes(path, write)


def load_features(path: tp.Union[str, Path]) -> FeatureFile:
    """Read and validate a feature file; errors name the file and the problem."""
    path = Path(path)
    if not path.is_file():
        raise FeatureFileError(f"{path}: feature file does not exist.")
    try:
        with np.load(path, allow_pickle=False) as data:
            features = data["features"].astype(np.float32)
            fps = float(data["fps"])
            start = float(data["start"]) if "start" in data else 0.0
            meta = json.loads(str(data["meta"])) if "meta" in data else {}
    except FeatureFileError:
        raise
    except Exception as exc:  # zip/np errors: report which file is broken
        raise FeatureFileError(f"{path}: unreadable feature file ({type(exc).__name__}: {exc}).") from exc
    check_features(features, str(path))
    if not fps > 0:
        raise FeatureFileError(f"{path}: fps must be positive, got {fps}.")
    return FeatureFile(features=features, fps=fps, start=start, meta=meta)
