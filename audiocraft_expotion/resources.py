"""Where the packaged ``config/`` folder is, and loading of the model presets in ``config/presets``."""
from pathlib import Path

import omegaconf

_PACKAGE_DIR = Path(__file__).resolve().parent


def config_dir() -> Path:
    """``config/``: installed inside the package by ``pip install .``, at the repo root in a checkout."""
    for candidate in (_PACKAGE_DIR / "config", _PACKAGE_DIR.parent / "config"):
        if (candidate / "config.yaml").is_file() or (candidate / "presets").is_dir():
            return candidate
    raise FileNotFoundError(f"audiocraft_expotion's config folder is missing (looked in {_PACKAGE_DIR}).")


def preset_names() -> list:
    return sorted(p.stem for p in (config_dir() / "presets").glob("*.yaml") if not p.stem.startswith("_"))


def load_preset(name: str) -> omegaconf.DictConfig:
    """The model config ``config/presets/NAME.yaml``, its ``defaults`` merged first (in order)."""
    path = config_dir() / "presets" / f"{name}.yaml"
    if not path.is_file():
        raise ValueError(f"Unknown preset '{name}'; available: {preset_names()}.")
    cfg = omegaconf.OmegaConf.load(path)
    bases = [load_preset(base) for base in cfg.pop("defaults", [])]
    return omegaconf.OmegaConf.merge(*bases, cfg)
