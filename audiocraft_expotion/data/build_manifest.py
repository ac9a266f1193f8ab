"""Build a video-music dataset (audiocraft ``egs`` manifests) from clips and their feature files.

    python -m audiocraft_expotion.data.build_manifest CLIPS_DIR --features FEATURES_DIR --out DATA \\
        [--captions captions.jsonl] [--face-extractor auto] [--motion-extractor auto] \\
        [--split auto] [--seed 0] [--tolerance 0.25] [--skip-bad] [--allow-truncated]

Clips are audio files (.wav, .flac, .mp3, ...) or videos (.mp4, ...) found under ``CLIPS_DIR``; a
video's audio track is its music (the training target). A clip is named by its file stem, which
must be unique. The features of clip ``owl`` are the files ``FEATURES_DIR/owl.<extractor>.npz``;
by default (``auto``) every extractor found there is used and must exist for every clip; a named
``--face-extractor`` / ``--motion-extractor`` is required, ``none`` requires nothing.

Without ``--captions`` the clips have no caption and train with the paper's generic prompt ("music
with catchy melody"); ``captions.jsonl`` adds generated ones, one ``{"clip": "owl", "description":
"..."}`` line per clip (``clip`` may also be the file name). ``--split auto`` suits small folders
(:func:`splits.auto_splits`); ``--split train=0.8,valid=0.1,...`` gives disjoint fractions.
Output, all written atomically::

    DATA/clips/owl.wav       audio: extracted from the video (32 kHz mono, cached) or a link to the audio file
    DATA/clips/owl.json      clip metadata (see clip_info): prompts and feature files by extractor
    DATA/<split>/data.jsonl  audiocraft AudioMeta entries, one per clip of the split
    DATA/dataset.json        extractors (name, version, settings, weights, width, fps), captions, splits

Every clip is validated (:mod:`clip_check`) before anything is written to the splits; if a clip has
problems, all problems are reported by clip and file and the command exits with status 1, unless
``--skip-bad`` drops those clips (the report is still printed, and kept in ``dataset.json``). A truncated
video (:mod:`..media.truncation`) is such a bad clip unless ``--allow-truncated`` keeps what is there.
Wrong paths (a missing folder or captions file, an output folder that is a file) fail at once, with
exit status 2, before audiocraft or torch is imported.
"""
import glob
import json
import logging
import os
import sys
import typing as tp
from dataclasses import dataclass
from pathlib import Path

from ..media import AUDIO_SUFFIXES, VIDEO_SUFFIXES
from ..media.truncation import TruncatedMediaError, check_file_not_truncated
from ..utils.cli import ArgumentParser, positive_int
from ..utils.paths import check_output_folder
from .clip_check import (DEFAULT_TOLERANCE, ClipCheckError, ClipReport, audio_duration, check_clip,
                         check_consistency, common_records, format_report)
from .clip_info import ClipInfo, clip_info_path, relative_to_info, save_clip_info
from .dataset_record import DatasetRecord, save_dataset_record
from .extractor_record import ExtractorRecord
from .feature_io import FEATURE_SUFFIX, feature_file_name
from .splits import AUTO, make_splits, parse_splits

if tp.TYPE_CHECKING:  # audiocraft and torch are imported where used: wrong paths are reported before they load
    from audiocraft.data.audio_dataset import AudioMeta

NO_EXTRACTOR = "none"


@dataclass
class Manifest:
    """What :func:`build_manifest` wrote: the clips of each split, the report of every clip and the
    extractors of the features (by name)."""
    splits: tp.Dict[str, tp.List["AudioMeta"]]
    reports: tp.List[ClipReport]
    extractors: tp.Dict[str, ExtractorRecord]


def find_clips(clips_dir: Path) -> tp.Dict[str, tp.List[Path]]:
    """Audio and video files under ``clips_dir``, by stem (a stem with several files is ambiguous)."""
    exts = set(AUDIO_SUFFIXES)  # audiocraft's audio extensions and the videos
    clips: tp.Dict[str, tp.List[Path]] = {}
    for path in sorted(clips_dir.rglob("*")):
        if path.is_file() and path.suffix.lower() in exts and not path.name.startswith("."):
            clips.setdefault(path.stem, []).append(path)
    return clips


def load_captions(path: Path) -> tp.Dict[str, str]:
    """``{clip stem: description}`` from a jsonl file of ``{"clip": ..., "description": ...}`` lines."""
    captions = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            captions[Path(entry["clip"]).stem] = str(entry["description"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: expected {{\"clip\": ..., \"description\": ...}} ({exc}).") from exc
    return captions


def link_audio(source: Path, target: Path) -> Path:
    """Make ``target`` a symbolic link to the audio file ``source`` (atomically replacing ``target``)."""
    if target.absolute() == source.absolute():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".tmp{os.getpid()}.{target.name}")
    tmp.unlink(missing_ok=True)
    os.symlink(source.absolute(), tmp)
    os.replace(tmp, target)
    return target


def save_audio_meta_atomic(path: Path, meta: tp.List["AudioMeta"]) -> None:
    """audiocraft's ``save_audio_meta``, written to a temporary file that then replaces ``path``."""
    from audiocraft.data.audio_dataset import save_audio_meta
    tmp = path.with_name(f".tmp{os.getpid()}.{path.name}")  # keeps the .gz ending: same compression
    try:
        save_audio_meta(tmp, meta)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def find_features(name: str, features_dir: Path, extractors: tp.Sequence[str]) -> tp.Dict[str, Path]:
    """Feature files ``<name>.<extractor>.npz`` of a clip: those found, and the expected path of the
    required ``extractors`` (so that a missing one is reported by its file name)."""
    found = {path.name[len(name) + 1:-len(FEATURE_SUFFIX)]: path
             for path in sorted(features_dir.glob(f"{glob.escape(name)}.*{FEATURE_SUFFIX}"))}
    found = {extractor: path for extractor, path in found.items() if "." not in extractor}
    return {**{e: features_dir / feature_file_name(name, e) for e in extractors}, **found}


def required_extractors(names: tp.Iterable[str], features_dir: Path, face_extractor: str,
                        motion_extractor: str) -> tp.List[str]:
    """The extractors every clip must have: the named ones and, if either is ``auto``, all those found
    for any clip. Raises FileNotFoundError when ``auto`` finds no feature file at all."""
    named = [e for e in (face_extractor, motion_extractor) if e not in (NO_EXTRACTOR, AUTO)]
    if AUTO not in (face_extractor, motion_extractor):
        return named
    found = sorted({e for name in names for e in find_features(name, features_dir, [])})
    if not found:
        raise FileNotFoundError(f"{features_dir}: no feature files <clip>.<extractor>{FEATURE_SUFFIX} for the clips; "
                                "extract them first: python -m audiocraft_expotion.features extract "
                                f"--extractor NAME CLIPS --out {features_dir}")
    return sorted(set(named) | set(found))


def prepare_clip(name: str, files: tp.List[Path], features_dir: Path, extractors: tp.Sequence[str],
                 audio_dir: Path, captions: tp.Optional[tp.Dict[str, str]], sample_rate: int,
                 allow_truncated: bool = False) -> tp.Tuple[tp.Optional["AudioMeta"], tp.List[str]]:
    """Write the audio and json of one clip into ``audio_dir``; its ``AudioMeta`` (None on failure) and problems.

    A truncated video is a problem (nothing written) unless ``allow_truncated``.
    """
    from audiocraft.data.audio import audio_info
    from audiocraft.data.audio_dataset import AudioMeta

    from ..media.audio import extract_audio_track  # torch
    if len(files) > 1:
        return None, [f"{files[0]}: clip name '{name}' is ambiguous, also used by {[str(f) for f in files[1:]]}."]
    source = files[0]
    problems = []
    if source.suffix.lower() in VIDEO_SUFFIXES:
        try:
            check_file_not_truncated(source, allow_truncated)
        except TruncatedMediaError as exc:
            return None, [str(exc)]
    try:
        if source.suffix.lower() in VIDEO_SUFFIXES:
            audio = extract_audio_track(source, audio_dir / f"{name}.wav", sample_rate)
        else:
            audio = link_audio(source, audio_dir / source.name)
        duration, rate = audio_duration(audio), audio_info(audio).sample_rate
    except Exception as exc:  # PyAV / soundfile raise many types; any of them makes this clip bad
        message = str(exc) if str(source) in str(exc) else f"{source}: {exc}"
        return None, [f"cannot use the clip's audio track (its music, the training target): {message}"]
    info_path = clip_info_path(audio)
    description = None
    if captions is not None:
        description = captions.get(name)
        if description is None:
            problems.append(f"{source}: no caption for clip '{name}' in the captions file.")
    features = {extractor: relative_to_info(info_path, path)
                for extractor, path in find_features(name, features_dir, extractors).items()}
    save_clip_info(info_path, ClipInfo(name=name, features=features, description=description,
                                          source=str(source.absolute())))
    return AudioMeta(str(audio.absolute()), duration, rate), problems


def build_manifest(clips_dir: tp.Union[str, Path], features_dir: tp.Union[str, Path], out: tp.Union[str, Path],
                   captions: tp.Optional[tp.Union[str, Path]] = None, face_extractor: str = AUTO,
                   motion_extractor: str = AUTO, splits: str = AUTO, seed: int = 0,
                   tolerance: float = DEFAULT_TOLERANCE, skip_bad: bool = False,
                   audio_dir: tp.Optional[tp.Union[str, Path]] = None, sample_rate: int = 32000,
                   allow_truncated: bool = False) -> Manifest:
    """Scan, prepare and validate the clips, then write ``out/<split>/data.jsonl`` and ``out/dataset.json``.

    Args:
        face_extractor, motion_extractor: required extractor names; ``"auto"``: every extractor found;
            ``"none"``: nothing required.
        splits: ``"auto"`` (:func:`splits.auto_splits`) or fractions ``"train=0.9,valid=0.1"``.
        allow_truncated: use what is there of truncated videos instead of reporting them as bad clips.
    Raises:
        ClipCheckError: some clip is bad and ``skip_bad`` is False, or no clip is good (lists every
            problem); nothing is written to the splits then.
        FileNotFoundError: a folder or the captions file does not exist, no clips, or (``auto``) no
            feature files at all.
        ValueError: ``out`` or ``audio_dir`` is (inside) an existing file, a bad ``splits`` spec or captions line.
    """
    clips_dir, features_dir, out = Path(clips_dir), Path(features_dir), Path(out)
    for folder in (clips_dir, features_dir):
        if not folder.is_dir():
            raise FileNotFoundError(f"{folder}: folder does not exist.")
    if captions is not None and not Path(captions).is_file():
        raise FileNotFoundError(f"{captions}: captions file does not exist.")
    audio_dir = Path(audio_dir) if audio_dir is not None else out / "clips"
    for folder in (out, audio_dir):
        check_output_folder(folder)
    if splits != AUTO:
        parse_splits(splits)  # a bad split spec fails before any work
    caption_map = load_captions(Path(captions)) if captions is not None else None
    clips = find_clips(clips_dir)
    if not clips:
        raise FileNotFoundError(f"{clips_dir}: no audio or video clips found.")
    extractors = required_extractors(clips, features_dir, face_extractor, motion_extractor)

    reports, metas = [], {}
    for name, files in clips.items():
        meta, problems = prepare_clip(name, files, features_dir, extractors, audio_dir, caption_map, sample_rate,
                                      allow_truncated)
        report = check_clip(meta, extractors, tolerance) if meta is not None else ClipReport(name)
        report.problems[:0] = problems
        reports.append(report)
        metas[name] = meta
    check_consistency(reports)
    good = [r.name for r in reports if r.ok]
    if not good or (len(good) < len(reports) and not skip_bad):
        raise ClipCheckError(reports)
    split_names = make_splits(good, splits, seed)
    records = common_records([r for r in reports if r.ok])
    manifest = Manifest({split: [metas[n] for n in names] for split, names in split_names.items()}, reports, records)
    for split, split_meta in manifest.splits.items():
        (out / split).mkdir(parents=True, exist_ok=True)
        save_audio_meta_atomic(out / split / "data.jsonl", split_meta)
    skipped = {r.name: r.problems for r in reports if not r.ok}
    save_dataset_record(out, DatasetRecord(extractors=records, captions=caption_map is not None,
                                           splits=split_names, skipped=skipped))
    return manifest


def main(argv: tp.Optional[tp.List[str]] = None) -> int:
    parser = ArgumentParser(prog="python -m audiocraft_expotion.data.build_manifest",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("clips_dir", help="folder of the clips (audio files or videos)")
    parser.add_argument("--features", required=True, help="folder of the feature files <clip>.<extractor>.npz")
    parser.add_argument("--out", required=True, help="output folder, e.g. egs/NAME")
    parser.add_argument("--captions", help="jsonl of {\"clip\": ..., \"description\": ...} generated captions")
    for modality in ("face", "motion"):
        parser.add_argument(f"--{modality}-extractor", default=AUTO,
                            help=f"required {modality} features ('{AUTO}' (default): every extractor found in "
                                 f"--features; '{NO_EXTRACTOR}': none)")
    parser.add_argument("--split", default=AUTO,
                        help=f"'{AUTO}' (default: one clip or 10 %% held out for valid/evaluate/generate) or "
                             "disjoint fractions, e.g. train=0.8,valid=0.1,evaluate=0.05,generate=0.05")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random split")
    parser.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE,
                        help="seconds the features may fall short of the audio at either end")
    parser.add_argument("--skip-bad", action="store_true", help="drop bad clips (reported) instead of failing")
    parser.add_argument("--audio-dir", help="where clip audio and json go (default: OUT/clips)")
    parser.add_argument("--sample-rate", type=positive_int, default=32000, help="sample rate of audio extracted from videos")
    parser.add_argument("--allow-truncated", action="store_true",
                        help="use what is there of a truncated video (default: it is a bad clip)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        manifest = build_manifest(args.clips_dir, args.features, args.out, args.captions, args.face_extractor,
                                  args.motion_extractor, args.split, args.seed, args.tolerance, args.skip_bad,
                                  args.audio_dir, args.sample_rate, args.allow_truncated)
    except (ValueError, OSError) as exc:  # ClipCheckError is a ValueError
        print(f"error: {exc}", file=sys.stderr)
        usage = isinstance(exc, (FileNotFoundError, ValueError)) and not isinstance(exc, ClipCheckError)
        return 2 if usage else 1  # 2: a wrong path or argument; 1: bad clips (the report) or a failed write
    if not all(r.ok for r in manifest.reports):
        print(f"skipped bad clips (--skip-bad). {format_report(manifest.reports)}", file=sys.stderr)
    for split, meta in manifest.splits.items():
        total = sum(m.duration for m in meta)
        print(f"{split}: {len(meta)} clips, {total:.1f} s -> {Path(args.out) / split / 'data.jsonl'}")
    for name, record in manifest.extractors.items():
        print(f"features {name}: {record.modality or 'modality unknown'}, {record.dim}-d at {record.fps:g} fps")
    print(f"prompts: {'generated captions' if args.captions else 'generic (no --captions)'}; "
          f"train with: dora run solver=expotion/smoke expotion.data={args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
