"""Evaluating a folder of generated music against a folder of reference music (paper Table 1).

:func:`evaluate_folder` pairs files by stem, computes per-clip metrics (tempo error, beat F1, KL,
text-audio and video-audio similarity) and set metrics (FAD, IS), and returns them with every
metric that could not run given as :class:`~.availability.Unavailable` with its reason.

KL is audiocraft's ``audiocraft.metrics.kld.kl_divergence`` (``KL(p_ref || p_gen)``, eps 1e-6, nats),
as in its ``KLDivergenceMetric``, on the CNN14 tagger's softmax label distributions ``[527]``. Its
``PasstKLDivergenceMetric`` is not used: hear21passt downloads the PaSST weights from a GitHub release
when the model is built, and ``update`` needs generated and reference audio of one length and rate.
"""
import typing as tp
from dataclasses import dataclass
from pathlib import Path

import torch
from tqdm import tqdm

from ..media import VIDEO_SUFFIXES
from ..media.audio import read_audio
from ..media.video import read_video
from .availability import MetricUnavailable, MetricValue, Unavailable
from .beats import track_beats
from .clap import DEFAULT_CLAP, ClapScorer
from .cnn14 import load_cnn14
from .fad import fad_from_embeddings
from .inception import inception_score
from .pairing import Pairing, pair_by_stem
from .rhythm import beat_f1, tempo_error
from .vggish import load_vggish
from .video_audio import DEFAULT_VIDEO_AUDIO_MODEL, load_video_audio_model, video_audio_similarity

METRICS = ("fad", "kl", "is", "tempo", "beat_f1", "text_audio", "video_audio")
PER_CLIP_METRICS = ("kl", "tempo", "beat_f1", "text_audio", "video_audio")
PathLike = tp.Union[str, Path]
VIDEO_FPS = 2.
"""Frames per second given to the video-audio model (LanguageBind picks 8 of them, uniformly)."""
VIDEO_MAX_SIDE = 448
"""Longest frame side decoded for the video-audio model (its transform resizes the short side to 224)."""


@dataclass
class EvalResults:
    """``summary``: metric -> value over the set; ``clips``: one row per pair; ``pairing``: incl. unpaired files."""
    summary: tp.Dict[str, MetricValue]
    clips: tp.List[tp.Dict[str, tp.Any]]
    pairing: Pairing


def _try_load(loader: tp.Callable[[], tp.Any]) -> tp.Any:
    """``loader()``, or :class:`Unavailable` with the reason it raised :class:`MetricUnavailable`."""
    try:
        return loader()
    except MetricUnavailable as err:
        return Unavailable(str(err))


def _load_models(metrics: tp.Sequence[str], prompts: tp.Optional[tp.Mapping[str, str]],
                 videos_dir: tp.Optional[PathLike], vggish_weights: tp.Optional[PathLike],
                 tagger_weights: tp.Optional[PathLike], clap_model: str, video_audio_model: str,
                 device: str) -> tp.Dict[str, tp.Any]:
    models: tp.Dict[str, tp.Any] = {}
    if "fad" in metrics:
        models["vggish"] = _try_load(lambda: load_vggish(vggish_weights, device))
    if "kl" in metrics or "is" in metrics:
        models["tagger"] = _try_load(lambda: load_cnn14(tagger_weights, device))
    if "text_audio" in metrics:
        models["clap"] = (Unavailable("no prompts given (--prompts FILE)") if prompts is None
                          else _try_load(lambda: ClapScorer.from_pretrained(clap_model, device)))
    if "video_audio" in metrics:
        models["video_audio"] = (Unavailable("no videos given (--videos DIR)") if videos_dir is None
                                 else _try_load(lambda: load_video_audio_model(video_audio_model, device)))
    return models


def _mono(path: Path) -> tp.Tuple[torch.Tensor, int]:
    """``float32 [S]`` mono audio of ``path`` at its own rate, and the rate (Hz)."""
    wav, sample_rate = read_audio(path)
    return wav[0], sample_rate


def _find_video(videos_dir: PathLike, stem: str) -> tp.Optional[Path]:
    for suffix in VIDEO_SUFFIXES:
        if (Path(videos_dir) / f"{stem}{suffix}").is_file():
            return Path(videos_dir) / f"{stem}{suffix}"
    return None


def _evaluate_clip(stem: str, generated: Path, reference: Path, metrics: tp.Sequence[str],
                   models: tp.Dict[str, tp.Any], prompts: tp.Optional[tp.Mapping[str, str]],
                   videos_dir: tp.Optional[PathLike], store: tp.Dict[str, list]) -> tp.Dict[str, tp.Any]:
    """Per-clip metrics of one pair; appends set-level inputs (embeddings, label distributions) to ``store``."""
    gen_wav, gen_sr = _mono(generated)
    ref_wav, ref_sr = _mono(reference)
    row: tp.Dict[str, tp.Any] = {"stem": stem, "generated": str(generated), "reference": str(reference)}
    if "tempo" in metrics or "beat_f1" in metrics:
        gen_beats, ref_beats = track_beats(gen_wav, gen_sr), track_beats(ref_wav, ref_sr)
        row.update(tempo_generated=gen_beats.tempo, tempo_reference=ref_beats.tempo,
                   tempo=tempo_error(gen_beats, ref_beats), beat_f1=beat_f1(gen_beats, ref_beats))
    vggish = models.get("vggish")
    if vggish is not None and not isinstance(vggish, Unavailable):
        store["vggish_generated"].append(vggish.embed(gen_wav, gen_sr))
        store["vggish_reference"].append(vggish.embed(ref_wav, ref_sr))
    tagger = models.get("tagger")
    if isinstance(tagger, Unavailable):
        row["kl"] = tagger
    elif tagger is not None:
        from audiocraft.metrics.kld import kl_divergence  # imports audiocraft: only when KL is computed
        gen_probs, ref_probs = tagger.label_distribution(gen_wav, gen_sr), tagger.label_distribution(ref_wav, ref_sr)
        store["tagger_generated"].append(gen_probs)
        row["kl"] = float(kl_divergence(gen_probs[None], ref_probs[None])[0])  # KL(p_ref || p_gen), nats
    clap = models.get("clap")
    if isinstance(clap, Unavailable) or clap is None:
        row["text_audio"] = clap
    elif stem not in prompts:  # type: ignore[operator]
        row["text_audio"] = Unavailable(f"no prompt for '{stem}'")
    else:
        row["text_audio"] = clap.similarity(gen_wav, gen_sr, prompts[stem])  # type: ignore[index]
    video_model = models.get("video_audio")
    video = _find_video(videos_dir, stem) if videos_dir is not None else None
    if isinstance(video_model, Unavailable) or video_model is None:
        row["video_audio"] = video_model
    elif video is None:
        row["video_audio"] = Unavailable(f"no video for '{stem}' in {videos_dir}")
    else:
        frames = torch.from_numpy(read_video(video, fps=VIDEO_FPS, max_side=VIDEO_MAX_SIDE).sample(VIDEO_FPS))
        row["video_audio"] = video_audio_similarity(video_model, frames, VIDEO_FPS, gen_wav, gen_sr)
    return {k: v for k, v in row.items() if v is not None}


def _average(rows: tp.Sequence[tp.Dict[str, tp.Any]], key: str) -> MetricValue:
    """Mean of ``key`` over clips, or :class:`Unavailable` when any clip lacks it."""
    missing = [row for row in rows if isinstance(row[key], Unavailable)]
    if missing:
        reasons = sorted({row[key].reason for row in missing})
        if len(missing) == len(rows) and len(reasons) == 1:
            return Unavailable(reasons[0])
        return Unavailable(f"{len(missing)}/{len(rows)} clips: {'; '.join(reasons)}")
    return float(sum(row[key] for row in rows) / len(rows))


def _set_metric(model: tp.Any, compute: tp.Callable[[], float]) -> MetricValue:
    if isinstance(model, Unavailable):
        return model
    try:
        return compute()
    except ValueError as err:  # e.g. too few embeddings for a covariance
        return Unavailable(str(err))


def evaluate_folder(generated_dir: PathLike, reference_dir: PathLike, *,
                    metrics: tp.Sequence[str] = METRICS,
                    prompts: tp.Optional[tp.Mapping[str, str]] = None,
                    videos_dir: tp.Optional[PathLike] = None,
                    vggish_weights: tp.Optional[PathLike] = None,
                    tagger_weights: tp.Optional[PathLike] = None,
                    clap_model: str = DEFAULT_CLAP,
                    video_audio_model: str = DEFAULT_VIDEO_AUDIO_MODEL,
                    device: str = "cpu", progress: bool = True) -> EvalResults:
    """Table-1 metrics of the generated clips of ``generated_dir`` against same-stem clips of ``reference_dir``.

    Args:
        metrics: subset of :data:`METRICS` to compute.
        prompts: stem -> text prompt (for ``text_audio``).
        videos_dir: folder of the input videos, ``<stem>.mp4`` (for ``video_audio``).
        vggish_weights / tagger_weights: torchvggish / PANNs CNN14 checkpoints (path or URL).
        clap_model: hub id or local folder of a HF CLAP model.
        video_audio_model: ``"languagebind"`` or ``"module:factory"`` (see :mod:`.video_audio`).
    Returns:
        :class:`EvalResults`; a metric that could not run is :class:`Unavailable` with its reason.
    """
    unknown = set(metrics) - set(METRICS)
    if unknown:
        raise ValueError(f"unknown metrics {sorted(unknown)}; choose from {METRICS}")
    pairing = pair_by_stem(generated_dir, reference_dir)
    if not pairing.pairs:
        raise ValueError(f"no file of {generated_dir} has a same-stem file in {reference_dir}")
    models = _load_models(metrics, prompts, videos_dir, vggish_weights, tagger_weights,
                          clap_model, video_audio_model, device)
    store: tp.Dict[str, list] = {k: [] for k in ("vggish_generated", "vggish_reference", "tagger_generated")}
    rows = [_evaluate_clip(stem, gen, ref, metrics, models, prompts, videos_dir, store)
            for stem, gen, ref in tqdm(pairing.pairs, desc="evaluating clips", disable=not progress)]
    summary: tp.Dict[str, MetricValue] = {}
    for metric in metrics:
        if metric in PER_CLIP_METRICS:
            summary[metric] = _average(rows, metric)
        elif metric == "fad":
            summary[metric] = _set_metric(models["vggish"], lambda: fad_from_embeddings(
                store["vggish_generated"], store["vggish_reference"]))
        else:
            summary[metric] = _set_metric(models["tagger"],
                                          lambda: inception_score(torch.stack(store["tagger_generated"])))
    return EvalResults(summary=summary, clips=rows, pairing=pairing)
