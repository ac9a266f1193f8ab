"""Generate the evaluation set with several systems, evaluate each, and assemble one Table 1.

    python -m audiocraft_expotion.eval.baselines --manifest egs/NAME/evaluate \\
        --system MusicGen=facebook/musicgen-small --system "motion RAFT=exports/raft:generic" \\
        --system "motion RAFT=exports/raft" [--seed 0] [--duration 10] [--metrics ...] \\
        [--vggish-weights ...] [--tagger-weights ...] [--clap ...] [--videos DIR] -o OUT/

A system is ``NAME=MODEL[:generated|:generic]``: ``MODEL`` is anything
:meth:`ExpotionGen.get_pretrained` loads (an exported Expotion folder, a MusicGen hub id / short
name / folder, or the ``tiny`` preset), the suffix the prompt kind (default ``generated``, the
clip's caption). ``NAME`` is the table's *Motion Feat.* cell, the prompt kind its *Prompt* cell.

**Text-only baseline.** A MusicGen name gets a fresh adaptor whose gates are all 0, so its output
is exactly the frozen MusicGen's: it is the vanilla MusicGen baseline, prompted with the *same*
captions as the Expotion systems (its visual input is irrelevant; zeros are passed, so the manifest
needs no features for it).

For each clip of the manifest split, generation covers clip time ``[0, min(duration, --duration))``
with the same ``--seed`` for every clip and system (same options, same files). Output::

    OUT/reference/<clip>.wav             the clip's audio over the generated span (written once)
    OUT/<system>/generated/<clip>.wav    the system's music
    OUT/<system>/results/                its metrics (see :mod:`.results_io`)
    OUT/table/table.{md,csv,png}         all systems under the paper's Table 1 rows (see :mod:`.report`)

Files are written atomically and existing ones are kept, so an interrupted run resumes where it
stopped (rerun with the same options). Metrics are computed against the reference span; text-audio
similarity uses each clip's caption for every system, so the rows compare.
"""
import argparse
import math
import sys
import typing as tp
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import omegaconf
import torch
from audiocraft.data.audio import audio_read
from audiocraft.data.audio_dataset import AudioMeta, load_audio_meta
from tqdm import tqdm

from ..data.clip_check import ClipCheckError, check_clips
from ..data.clip_info import PROMPTS, ClipInfo, clip_info_path, feature_path, load_clip_info
from ..data.feature_io import FeatureFile, load_features
from ..media.wav import write_wav
from ..models.expotion_gen import ExpotionGen
from ..models.music import generate_music
from ..resources import generate_audio_settings
from ..utils.cli import ArgumentParser
from .clap import DEFAULT_CLAP
from .evaluate import METRICS, evaluate_folder
from .report import assemble, write_report
from .results_io import write_results
from .table import to_markdown
from .video_audio import DEFAULT_VIDEO_AUDIO_MODEL

RESERVED_NAMES = ("reference", "table")
DEFAULT_EXTRACTORS = {"face": "marlin", "motion": "synchformer"}


@dataclass(frozen=True)
class System:
    """One row of the table: ``name`` (Motion Feat. cell), the ``model`` to load, its ``prompt`` kind."""
    name: str
    model: str
    prompt: str = "generated"


@dataclass(frozen=True)
class Clip:
    """One clip of the manifest split and the span to generate, ``[0, duration)``."""
    meta: AudioMeta
    info: ClipInfo
    duration: float


def parse_system(spec: str) -> System:
    """``NAME=MODEL[:generated|:generic]`` -> :class:`System`."""
    name, sep, model = spec.partition("=")
    name = name.strip()
    if not sep or not name or not model or "/" in name or name in RESERVED_NAMES:
        raise argparse.ArgumentTypeError(
            f"bad system {spec!r}: expected NAME=MODEL[:generated|:generic], NAME without '/' "
            f"and not one of {RESERVED_NAMES}")
    head, _, kind = model.rpartition(":")
    return System(name, head, kind) if head and kind in PROMPTS else System(name, model)


def load_split(manifest: tp.Union[str, Path], max_duration: tp.Optional[float]) -> tp.List[Clip]:
    """Clips of a split folder (its ``data.jsonl[.gz]``) or jsonl file, sorted by name."""
    path = Path(manifest)
    if path.is_dir():
        found = [path / name for name in ("data.jsonl", "data.jsonl.gz") if (path / name).is_file()]
        if not found:
            raise FileNotFoundError(f"{path}: no data.jsonl or data.jsonl.gz in this manifest folder")
        path = found[0]
    metas = load_audio_meta(path)
    if not metas:
        raise ValueError(f"{path}: the manifest lists no clips")
    clips = [Clip(meta, load_clip_info(clip_info_path(meta.path)),
                  meta.duration if max_duration is None else min(meta.duration, max_duration)) for meta in metas]
    return sorted(clips, key=lambda clip: clip.info.name)


def extractors_of(model: ExpotionGen, defaults: tp.Mapping[str, str]) -> tp.Dict[str, str]:
    """Feature extractor of each modality the model uses: from its training config, else ``defaults``."""
    modalities = model.lm.condition_provider.conditioners["visual"].modalities
    return {m: omegaconf.OmegaConf.select(model.lm.cfg, f"expotion.{m}_extractor", default=defaults[m])
            for m in modalities}


def visual_inputs(model: ExpotionGen, clip: Clip, extractors: tp.Mapping[str, str]) -> tp.Dict[str, FeatureFile]:
    """The clip's features per modality (``extractors``); zeros for a model whose gates are all 0 (they cannot
    change its output)."""
    dims = model.lm.condition_provider.conditioners["visual"].input_dims
    if model.is_untrained:
        frames = math.ceil(clip.duration) + 1
        return {m: FeatureFile(np.zeros((frames, dims[m]), np.float32), fps=1.0) for m in extractors}
    info_path = clip_info_path(clip.meta.path)
    features = {}
    for modality, extractor in extractors.items():
        path = feature_path(info_path, clip.info, extractor)
        features[modality] = load_features(path)
        if features[modality].dim != dims[modality]:
            raise ValueError(f"{path}: {modality} features are {features[modality].dim}-d, "
                             f"the model expects {dims[modality]}")
    return features


def write_references(clips: tp.Sequence[Clip], out_dir: Path) -> None:
    """Each clip's audio over ``[0, duration)`` as ``out_dir/<clip>.wav`` (existing files are kept)."""
    for clip in tqdm(clips, desc="reference"):
        path = out_dir / f"{clip.info.name}.wav"
        if not path.exists():
            wav, sample_rate = audio_read(clip.meta.path, 0., clip.duration)
            write_wav(path, wav, sample_rate, strategy="none")


def generate_system(system: System, clips: tp.Sequence[Clip], out_dir: Path, *, seed: int,
                    extractors: tp.Mapping[str, str], device: str, cfg_text: float,
                    cfg_visual: tp.Optional[float]) -> None:
    """Write ``out_dir/<clip>.wav`` for every clip not generated yet (the model loads only if needed)."""
    todo = [clip for clip in clips if not (out_dir / f"{clip.info.name}.wav").exists()]
    if not todo:
        return
    model = ExpotionGen.get_pretrained(system.model, device=device)
    used = extractors_of(model, extractors)
    print(f"{system.name}: {system.model}, {system.prompt} prompts, "
          + ("text only (all adaptor gates are 0: vanilla MusicGen)" if model.is_untrained
             else f"features {used}"), flush=True)
    reports = check_clips([clip.meta for clip in todo], [] if model.is_untrained else list(used.values()),
                          prompt=system.prompt)
    if not all(report.ok for report in reports):
        raise ClipCheckError(reports)
    audio_settings = generate_audio_settings()
    for clip in tqdm(todo, desc=system.name):
        wav = generate_music(model, tp.cast(str, clip.info.prompt(system.prompt)), visual_inputs(model, clip, used),
                             clip.duration, seed, cfg_text, cfg_visual, progress=False)
        write_wav(out_dir / f"{clip.info.name}.wav", wav, model.sample_rate, **audio_settings)


def parse_args(argv: tp.Optional[tp.Sequence[str]] = None) -> argparse.Namespace:
    parser = ArgumentParser(prog="python -m audiocraft_expotion.eval.baselines",
                                     description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--manifest", required=True, help="split folder (data.jsonl[.gz]) or jsonl file")
    parser.add_argument("--system", dest="systems", type=parse_system, action="append", required=True,
                        help="NAME=MODEL[:generated|:generic], repeatable")
    parser.add_argument("--seed", type=int, default=0, help="sampling seed of every clip (default 0)")
    parser.add_argument("--duration", type=float, default=None, help="seconds per clip (default: whole clips)")
    parser.add_argument("--cfg-text", type=float, default=3., help="classifier-free guidance on the text")
    parser.add_argument("--cfg-visual", type=float, default=None, help="guidance on the visual condition")
    for modality, default in DEFAULT_EXTRACTORS.items():
        parser.add_argument(f"--{modality}-extractor", default=default,
                            help=f"{modality} features of models whose config names none (default {default})")
    parser.add_argument("--metrics", nargs="+", default=list(METRICS), choices=METRICS)
    parser.add_argument("--videos", help="folder of input videos <clip>.mp4 (video-audio metric)")
    parser.add_argument("--vggish-weights", help="torchvggish VGGish state dict (path or URL) for FAD")
    parser.add_argument("--tagger-weights", help="PANNs Cnn14 checkpoint (path or URL) for KL and IS")
    parser.add_argument("--clap", default=DEFAULT_CLAP, help="CLAP hub id or local folder")
    parser.add_argument("--video-audio-model", default=DEFAULT_VIDEO_AUDIO_MODEL,
                        help="'languagebind' or 'module:factory' returning a VideoAudioModel")
    parser.add_argument("--device", default=None, help="torch device (default: cuda when available, else cpu)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="output folder")
    args = parser.parse_args(argv)
    names = [system.name for system in args.systems]
    if len(set(names)) != len(names):
        parser.error(f"system names must differ, got {names}")
    return args


def main(argv: tp.Optional[tp.Sequence[str]] = None) -> int:
    args = parse_args(argv)
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    clips = load_split(args.manifest, args.duration)
    out: Path = args.output
    write_references(clips, out / "reference")
    extractors = {"face": args.face_extractor, "motion": args.motion_extractor}
    for system in args.systems:
        generate_system(system, clips, out / system.name / "generated", seed=args.seed, extractors=extractors,
                        device=device, cfg_text=args.cfg_text, cfg_visual=args.cfg_visual)
    captions = {clip.info.name: clip.info.description for clip in clips if clip.info.description}
    for system in args.systems:
        results = evaluate_folder(
            out / system.name / "generated", out / "reference", metrics=args.metrics, prompts=captions,
            videos_dir=args.videos, vggish_weights=args.vggish_weights, tagger_weights=args.tagger_weights,
            clap_model=args.clap, video_audio_model=args.video_audio_model, device=device)
        write_results(results, out / system.name / "results", system.name, system.prompt.capitalize())
    rows = assemble([out / system.name / "results" for system in args.systems])
    write_report(rows, out / "table")
    print(to_markdown(rows, with_source=True))
    print(f"table written to {out / 'table'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
