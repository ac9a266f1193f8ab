"""audiocraft-expotion: music that follows facial expressions and upper-body motion (Expotion, arXiv 2507.04955).

A plugin for audiocraft 1.3.0. Call :func:`audiocraft_expotion.registry.register` (done for you by
``ExpotionGen``, the dora entry point and the builders here) to make audiocraft's own builders and
loaders accept Expotion configs.
"""
from pathlib import Path as _Path

__version__ = "0.1.0"

# The repository keeps `grids/` and `config/` at top level (the layout audiocraft users know);
# `pip install .` installs them as `audiocraft_expotion.grids` / `audiocraft_expotion/config`.
# When running from a source checkout, let `audiocraft_expotion.grids` resolve to the top-level folder.
_source_root = _Path(__file__).resolve().parent.parent
if not (_Path(__file__).parent / "grids").is_dir() and (_source_root / "grids" / "__init__.py").is_file():
    __path__.append(str(_source_root))  # type: ignore[name-defined]  # noqa: F821
