"""Build Expotion models from a Hydra config, delegating everything that is plain MusicGen to audiocraft.

Config keys added on top of a MusicGen LM config::

    lm_model: expotion_lm
    adaptor: {num_layers: null, max_frames: null, visual_dropout: 0.}   # null max_frames: the LM's segment
    fuser: {..., cross: [description], prefix: [visual]}
    conditioners:
      visual:
        model: expotion_visual
        expotion_visual: {modalities: [face, motion], face_dim: 768, motion_dim: 768,
                          face_rank: 12, motion_rank: 12, frame_rate: 50}
"""
import typing as tp

import omegaconf
import torch
from audiocraft.models import builders as audiocraft_builders
from audiocraft.modules.conditioners import ConditioningProvider
from audiocraft.utils.utils import dict_from_config

from ..modules.adaptor import PrefixFuser
from ..modules.temporal import seconds_to_frames
from ..modules.visual_conditioner import VisualConditioner, VisualConditioningProvider
from ..names import LM_MODEL, VISUAL_CONDITIONER
from .lm import ExpotionLM


def visual_conditioner_names(cfg: omegaconf.DictConfig) -> tp.List[str]:
    """Names of the conditioners of ``cfg`` whose model is ``expotion_visual``."""
    conditioners = cfg.get("conditioners") or {}
    return [str(name) for name, sub in conditioners.items()
            if name != "args" and isinstance(sub, omegaconf.DictConfig) and sub.get("model") == VISUAL_CONDITIONER]


def get_conditioner_provider(output_dim: int, cfg: omegaconf.DictConfig) -> ConditioningProvider:
    """audiocraft's conditioner provider (``get_conditioner_provider``), plus the ``expotion_visual``
    conditioners of ``cfg``; without visual conditioners this is exactly audiocraft's provider."""
    base_builder = audiocraft_builders.get_conditioner_provider
    names = visual_conditioner_names(cfg)
    if not names:
        return base_builder(output_dim, cfg)
    base_cfg = cfg.copy()
    omegaconf.OmegaConf.set_struct(base_cfg, False)
    for name in names:
        del base_cfg.conditioners[name]
    provider = base_builder(output_dim, base_cfg)
    conditioners = dict(provider.conditioners.items())
    for name in names:
        conditioners[name] = VisualConditioner(**dict_from_config(cfg.conditioners[name][VISUAL_CONDITIONER]))
    return VisualConditioningProvider(conditioners, device=cfg.device)


def get_prefix_fuser(cfg: omegaconf.DictConfig) -> PrefixFuser:
    """The condition fuser of ``cfg.fuser``, with the ``prefix`` method for the visual condition."""
    fuser_cfg = dict_from_config(cfg.fuser)
    fuse2cond = {method: list(fuser_cfg.pop(method, None) or []) for method in PrefixFuser.FUSING_METHODS}
    return PrefixFuser(fuse2cond=fuse2cond, **fuser_cfg)


def adaptor_frames(cfg: omegaconf.DictConfig) -> int:
    """The adaptor's ``max_frames``: ``adaptor.max_frames``, or when null the LM's segment
    (``dataset.segment_duration`` s at the visual conditioner's ``frame_rate``), so that a fresh adaptor
    takes windows as long as the base MusicGen generates (30 s = 1500 frames for the hub models)."""
    frames = (cfg.get("adaptor") or {}).get("max_frames")
    if frames is not None:
        return int(frames)
    rate = cfg.conditioners[visual_conditioner_names(cfg)[0]][VISUAL_CONDITIONER].frame_rate
    return seconds_to_frames(float(cfg.dataset.segment_duration), float(rate))


def get_lm_model(cfg: omegaconf.DictConfig) -> ExpotionLM:
    """Instantiate an :class:`ExpotionLM` from a MusicGen-style LM config with ``lm_model: expotion_lm``.

    Raises:
        ValueError: ``cfg.lm_model`` is not ``expotion_lm``.
    """
    if cfg.lm_model != LM_MODEL:
        raise ValueError(f"Expected lm_model: {LM_MODEL}, got {cfg.lm_model!r} (use audiocraft's builders for it).")
    kwargs = dict_from_config(cfg.transformer_lm)
    kwargs.pop("q_modeling", None)
    fuser = get_prefix_fuser(cfg)
    kwargs["cross_attention"] = kwargs.get("cross_attention", False) or bool(fuser.fuse2cond["cross"])
    guidance = cfg.classifier_free_guidance
    adaptor = dict_from_config(cfg.get("adaptor") or {})
    return ExpotionLM(
        pattern_provider=audiocraft_builders.get_codebooks_pattern_provider(kwargs["n_q"], cfg.codebooks_pattern),
        condition_provider=get_conditioner_provider(kwargs["dim"], cfg).to(cfg.device),
        fuser=fuser,
        adaptor_layers=adaptor.get("num_layers"),
        max_frames=adaptor_frames(cfg),
        visual_dropout=adaptor.get("visual_dropout", 0.),
        cfg_dropout=guidance.training_dropout,
        cfg_coef=guidance.inference_coef,
        attribute_dropout=dict_from_config(cfg.attribute_dropout),
        dtype=getattr(torch, cfg.dtype),
        device=cfg.device,
        **kwargs,
    ).to(cfg.device)
