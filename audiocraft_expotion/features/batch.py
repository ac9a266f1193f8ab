"""Resumable batch extraction: one ``.npz`` + one ``.json`` record per clip, failures collected.

For a video ``clip.mp4`` and extractor ``name`` the outputs are ``OUT/clip.name.npz`` (the features,
:mod:`audiocraft_expotion.data.feature_io`) and ``OUT/clip.name.json`` (the per-clip record: fps,
frames, duration, start offset, extractor name and version, ...). Both are written atomically, the
record last, so a clip is done exactly when its record exists, matches the extractor name and version,
and its feature file loads. Done clips are skipped; a failing clip is reported and the batch goes on.
"""
import json
import logging
import typing as tp
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from ..data.feature_io import FeatureFileError, atomic_write_bytes, load_features, save_features
from .base import Extractor
from .plot import plot_features
from .video import read_video

logger = logging.getLogger(__name__)

VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v", ".mpg", ".mpeg", ".flv", ".wmv")


@dataclass
class BatchResult:
    """Outcome of a batch: clips extracted, clips skipped as done, and ``(video, error)`` failures."""
    done: tp.List[Path] = field(default_factory=list)
    skipped: tp.List[Path] = field(default_factory=list)
    failed: tp.List[tp.Tuple[Path, str]] = field(default_factory=list)


def collect_videos(inputs: tp.Sequence[tp.Union[str, Path]]) -> tp.List[Path]:
    """Files as given, and the video files (by suffix) found recursively in folders, sorted, no repeats."""
    videos: tp.List[Path] = []
    for item in map(Path, inputs):
        if item.is_dir():
            videos.extend(sorted(p for p in item.rglob("*") if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES))
        else:
            videos.append(item)
    return list(dict.fromkeys(videos))


def output_paths(out_dir: Path, video: Path, extractor: Extractor) -> tp.Tuple[Path, Path]:
    """``(features .npz, record .json)`` of ``video`` in ``out_dir``."""
    stem = out_dir / f"{video.stem}.{extractor.name}"
    return stem.with_name(stem.name + ".npz"), stem.with_name(stem.name + ".json")


def is_done(out_dir: Path, video: Path, extractor: Extractor) -> bool:
    """Whether valid outputs of this extractor version already exist for ``video``."""
    features_path, record_path = output_paths(out_dir, video, extractor)
    try:
        record = json.loads(record_path.read_text())
        load_features(features_path)
    except (OSError, ValueError, FeatureFileError):
        return False
    return record.get("extractor") == extractor.name and record.get("version") == extractor.version


def extract_clip(video_path: Path, extractor: Extractor, out_dir: Path, plot: bool = False) -> tp.Dict[str, tp.Any]:
    """Extract, save features (+ PNG if ``plot``) and then the record of one clip; returns the record."""
    video = read_video(video_path, max_side=extractor.max_side)
    feature_file = extractor.extract(video)
    features_path, record_path = output_paths(out_dir, video_path, extractor)
    save_features(features_path, feature_file)
    if plot:
        plot_features(feature_file, video, features_path.with_suffix(".png"))
    record = {"features": features_path.name, "fps": feature_file.fps, "frames": feature_file.num_frames,
              "dim": feature_file.dim, "duration": feature_file.duration, "start": feature_file.start,
              **feature_file.meta}
    atomic_write_bytes(record_path, lambda f: f.write(json.dumps(record, indent=2).encode()))
    return record


def run_batch(videos: tp.Sequence[Path], extractor: Extractor, out_dir: tp.Union[str, Path],
              plot: bool = False, progress: bool = True) -> BatchResult:
    """Extract every clip of ``videos`` not yet done into ``out_dir``; see the module docstring."""
    out_dir = Path(out_dir)
    result = BatchResult()
    bar = tqdm(videos, desc=f"extract {extractor.name}", unit="clip", disable=not progress)
    for video in bar:
        bar.set_postfix_str(video.name)
        if is_done(out_dir, video, extractor):
            result.skipped.append(video)
            continue
        try:
            extract_clip(video, extractor, out_dir, plot)
        except Exception as exc:  # one bad clip must not stop the batch: report it at the end
            logger.debug("%s failed", video, exc_info=True)
            message = str(exc) if str(video) in str(exc) else f"{video}: {exc}"
            result.failed.append((video, f"{type(exc).__name__}: {message}"))
        else:
            result.done.append(video)
    return result
