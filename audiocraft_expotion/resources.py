"""Where the packaged ``config/`` folder is, and loading of the model presets in ``config/presets``."""
import importlib.util
import os
import typing as tp
from pathlib import Path

import omegaconf


def config_dir() -> Path:
    """The packaged ``config/`` folder (the package ``audiocraft_expotion.config``, which setup.py maps to the
    repository's top-level ``config/``).

    Raises:
        FileNotFoundError: the package is not installed (run ``pip install -e .`` in a checkout).
    """
    spec = importlib.util.find_spec("audiocraft_expotion.config")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("audiocraft_expotion.config is missing: install the package "
                                "(`pip install -e .` in a source checkout).")
    return Path(next(iter(spec.submodule_search_locations)))


def teams_config() -> Path:
    """audiocraft's cluster "teams" file (``dora_dir`` per cluster) of the dora entry point
    :mod:`audiocraft_expotion.train`: ``$AUDIOCRAFT_CONFIG``, else ours (``config/teams/default.yaml``)."""
    return Path(os.environ.get("AUDIOCRAFT_CONFIG") or config_dir() / "teams" / "default.yaml")


def generate_audio_settings() -> tp.Dict[str, tp.Any]:
    """``normalize_audio`` settings of the training config's ``generate.audio`` (``config/solver/expotion/base.yaml``),
    so that the CLI's music is normalised like the solver's samples."""
    from .media.wav import normalisation
    cfg = omegaconf.OmegaConf.load(config_dir() / "solver" / "expotion" / "base.yaml")
    return normalisation(omegaconf.OmegaConf.to_container(cfg.generate.audio, resolve=False))


def preset_names() -> tp.List[str]:
    """Names of the model presets (``config/presets/NAME.yaml``; files starting with ``_`` are shared parts)."""
    return sorted(p.stem for p in (config_dir() / "presets").glob("*.yaml") if not p.stem.startswith("_"))


def compose(config_name: str, overrides: tp.Sequence[str] = ()) -> omegaconf.DictConfig:
    """``config_name`` (a path under ``config/`` without ``.yaml``) composed by Hydra's compose API, its
    interpolations left as written. Works inside a running Hydra app too (its global state is restored)."""
    from hydra import compose as hydra_compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    hydra_state = GlobalHydra.instance().hydra
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
            return hydra_compose(config_name=config_name, overrides=list(overrides))
    finally:
        GlobalHydra.instance().hydra = hydra_state


def load_preset(name: str) -> omegaconf.DictConfig:
    """The model config of preset ``name`` (``config/presets/NAME.yaml``, composed by Hydra).

    Raises:
        ValueError: unknown preset (lists the available ones).
    """
    if name not in preset_names():
        raise ValueError(f"Unknown preset '{name}'; available: {preset_names()}.")
    return compose(f"presets/{name}")
