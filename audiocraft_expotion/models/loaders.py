"""Loading and saving Expotion models: MusicGen bases, random-weight presets and exported checkpoints.

An exported Expotion model is a folder holding ``expotion_state_dict.bin``, a ``torch.save``d dict:

- ``xp.cfg``: the Expotion LM config (a MusicGen LM config plus the ``expotion_lm`` keys);
- ``base``: the base MusicGen, as a hub id (``facebook/musicgen-small``), a local MusicGen folder,
  or a preset name (``tiny``: random weights drawn with a fixed seed, so the same everywhere);
- ``adaptor_state``: the trained tensors only (adaptor + W_f / W_m), a few MB.
"""
import logging
import os
import typing as tp
from pathlib import Path

import omegaconf
import torch
from audiocraft.models import builders as audiocraft_builders
from audiocraft.models import loaders as audiocraft_loaders
from audiocraft.models.encodec import CompressionModel

from ..names import CHECKPOINT_NAME, LM_MODEL, MUSICGEN_SHORT_NAMES, VISUAL_CONDITIONER
from ..resources import compose, load_preset, preset_names
from ..utils.atomic import atomic_write_bytes
from . import builders
from .lm import ExpotionLM

logger = logging.getLogger(__name__)

PRESET_SEED = 0


class VisualSpec(tp.NamedTuple):
    """What varies between fresh Expotion models: the modalities, their feature widths (set by the
    extractors) and the number of adapted layers (None: all). Ranks, frame rate, ``max_frames`` and
    dropout come from the config (``conditioner/expotion/face_motion.yaml``, ``model/lm/expotion.yaml``)."""
    modalities: tp.Tuple[str, ...] = ("face", "motion")
    face_dim: int = 768
    motion_dim: int = 768
    adaptor_layers: tp.Optional[int] = None


def is_expotion_checkpoint(name: str) -> bool:
    return (Path(name) / CHECKPOINT_NAME).is_file()


def with_expotion(cfg: omegaconf.DictConfig, spec: VisualSpec) -> omegaconf.DictConfig:
    """A MusicGen (or Expotion) LM config turned into an Expotion LM config with the adaptor of ``spec``.

    The visual conditioner and adaptor sections a MusicGen config lacks are those of the config tree
    (``conditioner/expotion/face_motion.yaml``, ``model/lm/expotion.yaml``); ``spec`` sets modalities,
    feature widths and adapted layers.
    """
    cfg = omegaconf.OmegaConf.create(omegaconf.OmegaConf.to_container(cfg, resolve=True))
    cfg.lm_model = LM_MODEL
    cfg.fuser.prefix = ["visual"]
    if "visual" not in cfg.conditioners:
        cfg.conditioners.visual = compose("conditioner/expotion/face_motion").conditioners.visual
    if "adaptor" not in cfg:
        cfg.adaptor = compose("model/lm/expotion").adaptor
    cfg.conditioners.visual[VISUAL_CONDITIONER].update(
        modalities=list(spec.modalities), face_dim=spec.face_dim, motion_dim=spec.motion_dim)
    cfg.adaptor.num_layers = spec.adaptor_layers
    return omegaconf.OmegaConf.create(omegaconf.OmegaConf.to_container(cfg, resolve=True))


def without_expotion(cfg: omegaconf.DictConfig) -> omegaconf.DictConfig:
    """The plain MusicGen LM config of an Expotion config (no adaptor, no visual conditioner)."""
    cfg = omegaconf.OmegaConf.create(omegaconf.OmegaConf.to_container(cfg, resolve=True))
    cfg.lm_model = "transformer_lm"
    for name in [n for n, sub in cfg.conditioners.items()
                 if isinstance(sub, omegaconf.DictConfig) and sub.get("model") == VISUAL_CONDITIONER]:
        del cfg.conditioners[name]
    cfg.fuser.pop("prefix", None)
    cfg.pop("adaptor", None)
    return cfg


def set_device(cfg: omegaconf.DictConfig, device: tp.Union[str, torch.device]) -> None:
    """Build on ``device``: float32 on CPU (any spelling: ``cpu``, ``cpu:0``), float16 elsewhere (as audiocraft)."""
    cfg.device = str(device)
    cfg.dtype = "float32" if torch.device(device).type == "cpu" else "float16"


def build_lm(cfg: omegaconf.DictConfig, frame_rate: float) -> ExpotionLM:
    """Build the Expotion LM of ``cfg`` (:func:`.builders.get_lm_model`); the visual conditioners' output
    rate is set to ``frame_rate``, the codec's token rate (Hz)."""
    for sub in cfg.conditioners.values():
        if isinstance(sub, omegaconf.DictConfig) and sub.get("model") == VISUAL_CONDITIONER:
            sub[VISUAL_CONDITIONER].frame_rate = float(frame_rate)
    lm = builders.get_lm_model(cfg)
    lm.cfg = cfg
    return lm


def build_preset(name: str, device: str, spec: "VisualSpec"
                 ) -> tp.Tuple[ExpotionLM, tp.Optional[CompressionModel]]:
    """A preset's LM and codec, their random weights drawn with :data:`PRESET_SEED` (the same everywhere)."""
    cfg = with_expotion(load_preset(name), spec)
    set_device(cfg, device)
    compression = load_compression(name, device)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(PRESET_SEED)
        lm = build_lm(cfg, compression.frame_rate if compression is not None else 50)
    return lm, compression


def base_state(base: str, device: str = "cpu") -> tp.Dict[str, torch.Tensor]:
    """Frozen MusicGen weights of ``base``: a preset's seeded random weights, or a MusicGen checkpoint's."""
    if base in preset_names():
        lm, _ = build_preset(base, device, VisualSpec())
        return {k: v for k, v in lm.state_dict().items() if not lm.is_trainable(k)}
    return musicgen_package(base)["best_state"]


def load_base_state(lm: ExpotionLM, state: tp.Dict[str, torch.Tensor], source: str) -> None:
    """Load a MusicGen state dict into an Expotion LM: only adaptor tensors may be missing."""
    result = lm.load_state_dict(state, strict=False)
    wrong = [k for k in result.missing_keys if not lm.is_trainable(k)]
    if wrong or result.unexpected_keys:
        raise RuntimeError(f"{source}: state dict does not match the Expotion LM (missing: {wrong[:5]}, "
                           f"unexpected: {result.unexpected_keys[:5]}).")


def musicgen_package(name: str) -> tp.Dict[str, tp.Any]:
    """audiocraft's LM checkpoint package of a MusicGen (hub id or local folder), with a clear offline error."""
    try:
        return audiocraft_loaders.load_lm_model_ckpt(name)
    except Exception as exc:  # hub errors differ across huggingface_hub versions
        offline = os.environ.get("HF_HUB_OFFLINE", "0") not in ("0", "", "false")
        raise RuntimeError(
            f"Could not load the MusicGen base model '{name}' ({type(exc).__name__}: {exc}). "
            f"{'' if Path(name).exists() else 'There is no local folder of that name. '}"
            f"{'HF_HUB_OFFLINE is set and it is not in the cache. ' if offline else ''}"
            "Pass a hub id with network access once (it is then cached), a local folder holding "
            "state_dict.bin and compression_state_dict.bin, or the offline random-weight preset 'tiny'."
        ) from exc


def load_compression(base: str, device: str) -> tp.Optional[CompressionModel]:
    """The codec of a base model: a preset's (seeded random, or None for LM-only presets), or the MusicGen one."""
    if base not in preset_names():
        return audiocraft_loaders.load_compression_model(base, device=device)
    kind = load_preset(base).get("compression_model")
    if kind is None:
        return None
    if kind != "debug_32khz":
        raise ValueError(f"Preset '{base}': unknown compression_model '{kind}'.")
    return debug_codec(device)


def _cache_dir() -> Path:
    """``$EXPOTION_CACHE``, else ``$XDG_CACHE_HOME/audiocraft_expotion`` (default ``~/.cache/audiocraft_expotion``)."""
    if os.environ.get("EXPOTION_CACHE"):
        return Path(os.environ["EXPOTION_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "audiocraft_expotion"


def debug_codec(device: str) -> CompressionModel:
    """audiocraft's debug codec (``get_debug_compression_model``: SEANet, 4 x 400-entry RVQ, 25 Hz at
    32 kHz) with the random weights drawn from :data:`PRESET_SEED`.

    audiocraft initialises its codebooks by k-means on random data (seconds of CPU); that runs once and
    its result is cached in :func:`_cache_dir` (keyed by the seed and the audiocraft / torch versions);
    later builds assemble the same modules and load the cached weights.
    """
    import audiocraft
    from audiocraft import quantization
    from audiocraft.models.encodec import EncodecModel
    from audiocraft.modules import SEANetDecoder, SEANetEncoder

    versions = f"audiocraft{audiocraft.__version__}_torch{torch.__version__}"
    path = _cache_dir() / f"debug_32khz_seed{PRESET_SEED}_{versions}.pt"
    if path.is_file():
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
            seanet = {"n_filters": 4, "n_residual_layers": 1, "dimension": 32, "ratios": [10, 8, 16]}
            model = EncodecModel(SEANetEncoder(**seanet), SEANetDecoder(**seanet),
                                 quantization.ResidualVectorQuantizer(dimension=32, bins=400, n_q=4),
                                 frame_rate=25, sample_rate=32000, channels=1)
            model.load_state_dict(state)
            return model.to(device).eval()
        except Exception as exc:  # a stale or broken cache entry is rebuilt
            logger.warning("%s: unusable cached debug codec (%s); rebuilding it.", path, exc)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(PRESET_SEED)
        model = audiocraft_builders.get_debug_compression_model("cpu", sample_rate=32000)
    try:
        atomic_write_bytes(path, lambda f: torch.save(model.state_dict(), f))
    except OSError as exc:
        logger.warning("Cannot cache the debug codec in %s (%s).", path, exc)
    return model.to(device).eval()


def load_fresh(base: str, device: str, spec: VisualSpec = VisualSpec()
               ) -> tp.Tuple[ExpotionLM, tp.Optional[CompressionModel]]:
    """A MusicGen base (hub id, short name, local folder or preset) with a freshly initialised adaptor."""
    base = MUSICGEN_SHORT_NAMES.get(base, base)
    if base in preset_names():
        return build_preset(base, device, spec)
    package = musicgen_package(base)
    cfg = with_expotion(omegaconf.OmegaConf.create(package["xp.cfg"]), spec)
    set_device(cfg, device)
    compression = load_compression(base, device)
    lm = build_lm(cfg, compression.frame_rate)
    load_base_state(lm, package["best_state"], base)
    return lm, compression


def save_checkpoint(folder: tp.Union[str, Path], cfg: omegaconf.DictConfig,
                    adaptor_state: tp.Dict[str, torch.Tensor], base: str) -> Path:
    """Write an exported Expotion model (config, trained tensors, base reference) to ``folder``, atomically."""
    package = {"xp.cfg": omegaconf.OmegaConf.to_container(cfg, resolve=True), "base": base,
               "adaptor_state": {k: v.detach().cpu() for k, v in adaptor_state.items()}}
    path = Path(folder) / CHECKPOINT_NAME
    atomic_write_bytes(path, lambda f: torch.save(package, f))
    return path


def export_model(folder: tp.Union[str, Path], lm: ExpotionLM, base: str) -> Path:
    """Export an in-memory Expotion LM whose frozen weights are those of ``base``."""
    return save_checkpoint(folder, lm.cfg, lm.trainable_state_dict(), base)


def load_checkpoint(folder: tp.Union[str, Path], device: str
                    ) -> tp.Tuple[ExpotionLM, tp.Optional[CompressionModel], str]:
    """Load an exported Expotion folder: rebuild the LM, load the base weights, then the adaptor."""
    path = Path(folder) / CHECKPOINT_NAME
    try:
        package = torch.load(path, map_location="cpu", weights_only=False)
        base = package["base"]
        cfg = omegaconf.OmegaConf.create(package["xp.cfg"])
        adaptor_state = package["adaptor_state"]
    except Exception as exc:
        raise RuntimeError(f"{path}: not a readable Expotion checkpoint ({type(exc).__name__}: {exc}).") from exc
    set_device(cfg, device)
    compression = load_compression(base, device)
    lm = build_lm(cfg, compression.frame_rate if compression is not None else 50)
    load_base_state(lm, base_state(base, device), base)
    result = lm.load_state_dict(adaptor_state, strict=False)
    if result.unexpected_keys or any(lm.is_trainable(k) for k in result.missing_keys):
        raise RuntimeError(f"{path}: adaptor tensors do not match the model config "
                           f"(unexpected: {result.unexpected_keys[:5]}).")
    return lm, compression, base
