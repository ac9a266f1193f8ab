"""ExpotionSolver: audiocraft's MusicGenSolver training only the condition adaptor of a frozen MusicGen.

What changes from MusicGenSolver:

- the LM is built from an ``expotion_lm`` config (audiocraft's ``get_lm_model`` patched for the call only,
  :func:`~audiocraft_expotion.registry.expotion_lm_builder`) and the frozen MusicGen
  base weights are loaded in :meth:`build_model`: from ``continue_from=//pretrained/<musicgen>``
  or ``expotion.base`` (a hub id, short name or local MusicGen folder); with neither, the base
  stays random (debug runs);
- the optimizer only sees the trainable tensors (adaptor, W_f, W_m);
- checkpoints, best state and EMA hold only those tensors (``trainable``) and the config, never
  the 0.3–3.3 B frozen parameters; resuming reloads the base, then the checkpoint;
- the datasets are video–music datasets (:func:`build_expotion_dataset`) cut at the same span
  for audio and features;
- the generate stage writes, per clip, ``samples/epoch_NNN/<clip>.wav`` with a ``.json`` of its
  prompt, and ``<clip>.mp4``, the clip's video with the generated music, when the clip came from a
  video and the segment starts at its beginning (no ffmpeg binary needed);
- with ``evaluate.expotion.use``, the evaluate stage also generates music for the evaluate split
  and reports the paper's metrics on it (:func:`audiocraft_expotion.eval.evaluate_folder`), so
  ``dora run ... execute_only=evaluate continue_from=SIG`` gives Table-1 numbers for an XP;
- ``expotion.data=DIR`` (a build_manifest folder) sets the datasource and resolves the ``auto``
  conditioner keys from the features in ``DIR`` before anything is built (:mod:`data_match`);
- resuming is exact: the random generators are checkpointed (:mod:`rng_state`), so a run killed
  and restarted gives bit-identical losses; ``checkpoint.keep_last`` is honoured (audiocraft 1.3.0
  calls its flush without it) and temporary files of killed writes are cleaned on restore
  (:mod:`checkpoint_files`).
"""
import json
import logging
import typing as tp
from pathlib import Path

import flashy
import omegaconf
import torch
from dora import git_save
from torch import nn
from audiocraft.solvers import builders
from audiocraft.utils import checkpoint
from audiocraft.solvers.musicgen import MusicGenSolver
from audiocraft.utils.utils import dict_from_config, get_loader

from ..utils.atomic import atomic_write_bytes
from ..data.video_music_dataset import ExpotionInfo, build_expotion_dataset
from ..models.lm import ExpotionLM
from ..media import VIDEO_SUFFIXES
from ..media.mux import write_music_video
from ..media.wav import normalisation, write_wav
from ..registry import expotion_lm_builder
from ..models.loaders import base_state, load_base_state, load_compression
from ..names import MUSICGEN_SHORT_NAMES
from ..resources import preset_names
from .checkpoint_files import clean_partial_writes
from .data_match import match_dataset
from .rng_state import RandomState

logger = logging.getLogger(__name__)
PRETRAINED_PREFIX = "//pretrained/"
SPLITS = ("train", "valid", "evaluate", "generate")


def base_model_name(cfg: omegaconf.DictConfig) -> tp.Optional[str]:
    """The frozen MusicGen of an XP: ``continue_from=//pretrained/NAME`` or ``expotion.base``, else None."""
    continue_from = cfg.get("continue_from") or ""
    name = continue_from[len(PRETRAINED_PREFIX):] if continue_from.startswith(PRETRAINED_PREFIX) else None
    name = name or cfg.expotion.get("base")
    return MUSICGEN_SHORT_NAMES.get(name, name) if name else None


def _plain(value: tp.Any) -> tp.Any:
    """``value`` with every dict subclass (e.g. ``defaultdict``) turned into a plain dict, recursively."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class ExpotionSolver(MusicGenSolver):
    """Trains the Expotion condition adaptor on a frozen MusicGen (see the module docstring).

    Raises (at construction): DataMismatchError / DatasetRecordError when ``expotion.data`` and the
    conditioner config disagree or the folder is not a dataset (the message names the override).
    """
    model: ExpotionLM

    def __init__(self, cfg: omegaconf.DictConfig):
        data = cfg.expotion.get("data")
        match_dataset(cfg, Path(git_save.to_absolute_path(data)) if data else None)
        super().__init__(cfg)
        self.stateful.register("rng", RandomState(self.model))

    def build_model(self) -> None:
        # audiocraft registers the stateful / best-state / EMA source "model"; its source here is a
        # ModuleDict of the trainable modules only (adaptor, W_f, W_m), sharing their parameters.
        with expotion_lm_builder():  # MusicGenSolver.build_model calls audiocraft's get_lm_model
            super().build_model()
        base = base_model_name(self.cfg)
        if base is not None:
            load_base_state(self.model, base_state(base), base)
            self.logger.info("Loaded frozen MusicGen base weights from %s", base)
            self._use_preset_codec(base)
        else:
            self.logger.warning("No MusicGen base (continue_from=//pretrained/... or expotion.base): "
                                "the frozen LM has random weights.")
        params = [p for p in self.model.parameters() if p.requires_grad]
        self.optimizer = builders.get_optimizer(params, self.cfg.optim)
        self.lr_scheduler = builders.get_lr_scheduler(self.optimizer, self.cfg.schedule, self.total_updates)
        counts = self.model.parameter_counts()
        self.logger.info("Trainable parameters: %d of %d (%.2f %%)", counts["trainable"], counts["total"],
                         counts["trainable_percent"])

    def _use_preset_codec(self, base: str) -> None:
        """A random-weight preset base (``tiny``) comes with its own seeded codec: train with the codec
        the exported model will generate with. audiocraft's ``//pretrained/debug_compression_model``
        draws its weights from the global generator, i.e. from ``cfg.seed``, so without this the tokens
        an XP trains on depend on its seed and differ from those of ``load_compression(base)``."""
        if base not in preset_names():
            return
        codec = load_compression(base, self.device)
        if codec is not None:
            self.compression_model.load_state_dict(codec.state_dict())
            self.logger.info("Codec weights: those of the '%s' preset.", base)

    def _trainable_modules(self) -> nn.ModuleDict:
        if not isinstance(self.model, ExpotionLM):
            raise ValueError(f"solver=expotion needs lm_model: expotion_lm, got '{self.cfg.lm_model}'.")
        name = self.model.visual_condition
        return nn.ModuleDict({"adaptor": self.model.adaptor,
                              "visual": self.model.condition_provider.conditioners[name]})

    def register_stateful(self, *args: str, write_only: bool = False) -> None:
        if "model" in args:
            self.trainable = self._trainable_modules()
            self.stateful.register("model", self.trainable, write_only)
        super().register_stateful(*[a for a in args if a != "model"], write_only=write_only)

    def register_ema(self, *args: str) -> None:
        super().register_ema(*args)
        if "model" in self._ema_sources:
            self._ema_sources["model"] = self._trainable_modules()

    def state_dict(self) -> dict:
        """The checkpoint, made of plain containers and tensors only (the config as a dict, with the
        ``expotion`` section the solver resolved; the EMA's defaultdict as a dict), so
        ``torch.load(weights_only=True)`` (the default of torch >= 2.6, used
        by audiocraft when resuming) accepts it."""
        state = super().state_dict()
        cfg = omegaconf.OmegaConf.create(omegaconf.OmegaConf.to_container(state["xp.cfg"]))
        cfg.expotion = self.cfg.expotion  # as resolved from expotion.data (dims, extractors, their record)
        state["xp.cfg"] = omegaconf.OmegaConf.to_container(cfg, resolve=True)
        return _plain(state)

    def restore(self, *args: tp.Any, **kwargs: tp.Any) -> bool:
        """audiocraft's restore, after cleaning what killed writes left; a fresh XP (no checkpoint, no
        ``continue_from``) has nothing to restore and skips it (and its "Restoring weights" message)."""
        if flashy.distrib.is_rank_zero():
            clean_partial_writes(self.folder)
        flashy.distrib.barrier()
        if not self.checkpoint_path(use_fsdp=False).exists() and not self.cfg.continue_from:
            return False
        return super().restore(*args, **kwargs)

    def save_checkpoints(self) -> None:
        super().save_checkpoints()
        if flashy.distrib.is_rank_zero() or self.cfg.fsdp.use:  # the ranks that save also flush
            checkpoint.flush_stale_checkpoints(self.checkpoint_path(), self.cfg.checkpoint.keep_last)

    def run_epoch(self) -> None:
        super().run_epoch()
        self.check_ranks_in_sync()

    def check_ranks_in_sync(self) -> float:
        """Raise unless every process holds the same trainable weights (gradients were averaged); returns
        the weights' checksum, logged each epoch."""
        checksum = sum(p.detach().double().sum() * (i + 1) for i, p in enumerate(self.trainable.parameters()))
        checksums = checksum.detach()[None]
        if flashy.distrib.is_distributed():  # gather on the model's device (NCCL needs CUDA tensors)
            gathered = [torch.zeros_like(checksum) for _ in range(flashy.distrib.world_size())]
            torch.distributed.all_gather(gathered, checksum)
            checksums = torch.stack(gathered)
        checksums = checksums.cpu()
        self.logger.info("Trainable weights checksum %.10e on %d process(es)", float(checksum), len(checksums))
        if not torch.allclose(checksums, checksums[0], rtol=1e-9, atol=0):
            raise RuntimeError(f"Processes hold different trainable weights: {checksums.tolist()}.")
        return float(checksum)

    def load_from_pretrained(self, name: str) -> dict:
        """``continue_from=//pretrained/NAME``: the base is loaded by :meth:`build_model`; the adaptor starts fresh."""
        return {"best_state": {"model": self.trainable.state_dict()}}

    def build_dataloaders(self) -> None:
        """Video–music datasets for each split of ``cfg.datasource``, with audiocraft's loaders."""
        dataset_cfg = dict_from_config(self.cfg.dataset)
        split_cfgs = {split: dataset_cfg.pop(split, {}) or {} for split in SPLITS}
        visual = dict_from_config(self.cfg.expotion)
        self.dataloaders = {}
        for split, path in self.cfg.datasource.items():
            if not isinstance(path, str) or (self.cfg.execute_only and split != self.cfg.execute_only):
                continue
            kwargs = {**dataset_cfg, **split_cfgs[split]}
            batch_size, num_workers = kwargs.pop("batch_size"), kwargs.pop("num_workers")
            kwargs.pop("return_info", None)
            one_per_clip = kwargs.get("num_samples") is None
            kwargs["num_samples"] = kwargs.get("num_samples") or 1
            dataset = build_expotion_dataset(
                path, sample_rate=self.cfg.sample_rate, channels=self.cfg.channels,
                modalities=visual["modalities"], prompt=visual["prompt"],
                face_extractor=visual["face_extractor"], motion_extractor=visual["motion_extractor"],
                return_info=True, **kwargs)
            if one_per_clip:
                dataset.num_samples = len(dataset.meta)
            world = flashy.distrib.world_size()
            if len(dataset) < world:
                raise ValueError(f"{dataset.manifest}: the '{split}' split has {len(dataset.meta)} clip(s), "
                                 f"{len(dataset)} item(s) per epoch, fewer than the {world} processes (each needs "
                                 "one): add clips to this split or run fewer processes.")
            self.dataloaders[split] = get_loader(dataset, dataset.num_samples, batch_size=batch_size,
                                                 num_workers=num_workers, seed=self.cfg.seed,
                                                 collate_fn=dataset.collater, shuffle=kwargs["shuffle"])

    def evaluate(self) -> dict:
        metrics = super().evaluate()
        if self.cfg.evaluate.expotion.use:
            metrics.update(self.evaluate_paper_metrics())
        return metrics

    def evaluate_paper_metrics(self) -> dict:
        """Generate for the evaluate split, then score generated vs reference audio (unavailable metrics
        are logged with their reason and left out)."""
        from ..eval import evaluate_folder
        from ..eval.availability import Unavailable
        cfg = self.cfg.evaluate.expotion
        folder = Path(self.folder) / "evaluate" / f"epoch_{self.epoch:03d}"
        with torch.no_grad():
            for batch in self.dataloaders["evaluate"]:
                clip_seconds = max(info.n_frames / info.sample_rate for info in batch[1])
                outputs = self.run_generate_step(batch, gen_duration=clip_seconds, prompt_duration=None,
                                                 **self.generation_params)
                for generated, reference, info in zip(outputs["gen_audio"].cpu(), batch[0], batch[1]):
                    name = f"{info.name}_{info.seek_time:.2f}"
                    write_wav(folder / "generated" / f"{name}.wav", generated, self.cfg.sample_rate,
                              **normalisation(self.cfg.generate.audio))  # as MusicGenSolver.evaluate does
                    write_wav(folder / "reference" / f"{name}.wav", reference, self.cfg.sample_rate, strategy="none")
                    atomic_write_bytes(folder / "prompts" / f"{name}.txt", lambda f: f.write(
                        (info.description or "").encode()))
        flashy.distrib.barrier()
        prompts = {p.stem: p.read_text() for p in (folder / "prompts").glob("*.txt")}
        results = evaluate_folder(folder / "generated", folder / "reference", metrics=tuple(cfg.metrics),
                                  prompts=prompts, vggish_weights=cfg.vggish_weights,
                                  tagger_weights=cfg.tagger_weights, clap_model=cfg.clap_model,
                                  device=self.device, progress=False)
        metrics = {}
        for name, value in results.summary.items():
            if isinstance(value, Unavailable):
                self.logger.warning("Metric %s unavailable: %s", name, value.reason)
            else:
                metrics[name] = value
        return metrics

    def generate_audio(self) -> dict:
        """Generate stage: music for every clip of the ``generate`` split (see the module docstring)."""
        folder = Path(self.folder) / self.cfg.generate.path / f"epoch_{self.epoch:03d}"
        loader = self.dataloaders["generate"]
        average = flashy.averager()
        metrics: dict = {}
        for batch in self.log_progress("generate", loader, total=len(loader), updates=self.log_updates):
            clip_seconds = max(info.n_frames / info.sample_rate for info in batch[1])
            outputs = self.run_generate_step(batch, gen_duration=self.cfg.generate.lm.gen_duration or clip_seconds,
                                             prompt_duration=None, **self.generation_params)
            for wav, info in zip(outputs["gen_audio"].cpu(), batch[1]):  # each rank writes its own items
                self._write_sample(folder, wav, info)
            metrics = average({"rtf": outputs["rtf"]})
        flashy.distrib.barrier()
        return metrics

    def _write_sample(self, folder: Path, wav: torch.Tensor, info: ExpotionInfo) -> None:
        name = info.name or Path(info.meta.path).stem
        music = write_wav(folder / f"{name}.wav", wav, self.cfg.sample_rate, **normalisation(self.cfg.generate.audio))
        record = {"clip": name, "description": info.description, "seek_time": info.seek_time,
                  "source": info.source, "epoch": self.epoch}
        atomic_write_bytes(folder / f"{name}.json", lambda f: f.write(json.dumps(record, indent=2).encode()))
        is_video = bool(info.source) and Path(info.source).suffix.lower() in VIDEO_SUFFIXES
        if is_video and info.seek_time == 0 and Path(info.source).is_file():
            write_music_video(info.source, music, self.cfg.sample_rate, folder / f"{name}.mp4")
        elif is_video:
            logger.info("Not muxing %s: segment starts at %.2f s or video missing.", name, info.seek_time)
