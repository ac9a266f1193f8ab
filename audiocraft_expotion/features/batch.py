"""Resumable batch extraction of several extractors: one ``.npz`` per clip and extractor, failures collected.

Outputs and reuse follow :mod:`.cache` (``OUT/<stem>.<extractor>.npz``, reused only for the same video
content and extractor fingerprint; same-named clips are refused). Each video is decoded once, at the
largest frame size its pending extractors need (:func:`.video_features.decode_for`), and only when some
extractor still has to run. Decoding (and hashing) of the next clip runs in a background thread while the
current clip is encoded. A failing clip is reported and the batch goes on.
"""
import logging
import typing as tp
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from ..media.video import Video
from . import cache
from .base import Extractor
from .plot import plot_features
from .video_features import decode_for

logger = logging.getLogger(__name__)


@dataclass
class BatchResult:
    """Outcome for one extractor: clips extracted, clips reused, and ``(video, error)`` failures."""
    done: tp.List[Path] = field(default_factory=list)
    skipped: tp.List[Path] = field(default_factory=list)
    failed: tp.List[tp.Tuple[Path, str]] = field(default_factory=list)


@dataclass
class _Prepared:
    """A clip ready for encoding: its identity, the extractors still to run, and the decoded video."""
    identity: cache.VideoIdentity
    todo: tp.List[Extractor]
    video: tp.Optional[Video]
    errors: tp.Dict[str, str]


def _message(video: Path, exc: Exception) -> str:
    text = str(exc) if str(video) in str(exc) else f"{video}: {exc}"
    return f"{type(exc).__name__}: {text}"


def _prepare(path: Path, extractors: tp.Sequence[Extractor], out_dir: Path) -> _Prepared:
    identity = cache.VideoIdentity.of(path)
    todo, errors = [], {}
    for extractor in extractors:
        try:
            if cache.lookup(out_dir, identity, extractor) is None:
                todo.append(extractor)
        except cache.FeatureCollision as exc:
            errors[extractor.name] = _message(path, exc)
    return _Prepared(identity, todo, decode_for(path, todo) if todo else None, errors)


def run_batch(videos: tp.Sequence[Path], extractors: tp.Sequence[Extractor], out_dir: tp.Union[str, Path],
              plot: bool = False, progress: bool = True) -> tp.Dict[str, BatchResult]:
    """Extract every clip of ``videos`` not yet done into ``out_dir``; see the module docstring.

    Raises:
        cache.FeatureCollision: two of ``videos`` have the same file name (nothing is extracted).
    """
    out_dir = Path(out_dir)
    cache.check_names(videos)
    results = {extractor.name: BatchResult() for extractor in extractors}

    def fail(video: Path, names: tp.Iterable[str], message: str) -> None:
        for name in names:
            results[name].failed.append((video, message))

    names = "+".join(results)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="decode") as pool:
        pending: tp.Optional[Future] = None
        bar = tqdm(range(len(videos)), desc=f"extract {names}", unit="clip", disable=not progress)
        for index in bar:
            video = videos[index]
            future = pending or pool.submit(_prepare, video, extractors, out_dir)
            pending = pool.submit(_prepare, videos[index + 1], extractors, out_dir) if index + 1 < len(videos) else None
            bar.set_postfix_str(video.name)
            try:
                prepared = future.result()
            except Exception as exc:  # one bad clip must not stop the batch: report it at the end
                logger.debug("%s failed", video, exc_info=True)
                fail(video, results, _message(video, exc))
                continue
            for name, message in prepared.errors.items():
                fail(video, [name], message)
            for extractor in extractors:
                if extractor.name not in prepared.errors and extractor not in prepared.todo:
                    results[extractor.name].skipped.append(video)
            for extractor in prepared.todo:
                try:
                    features = extractor.extract(tp.cast(Video, prepared.video))
                    path = cache.store(out_dir, prepared.identity, features, extractor)
                    if plot:
                        plot_features(features, tp.cast(Video, prepared.video), path.with_suffix(".png"))
                except Exception as exc:  # as above
                    logger.debug("%s failed", video, exc_info=True)
                    fail(video, [extractor.name], _message(video, exc))
                else:
                    results[extractor.name].done.append(video)
    return results
