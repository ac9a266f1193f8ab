"""The one patch of audiocraft that its own code needs, applied only while it is needed.

audiocraft 1.3.0's ``MusicGenSolver.build_model`` builds its LM with the module-level function
``audiocraft.models.builders.get_lm_model``, which knows only ``lm_model: transformer_lm``.
:func:`expotion_lm_builder` replaces that function, for the duration of a ``with`` block, by one
that builds an :class:`~audiocraft_expotion.models.lm.ExpotionLM` for ``lm_model: expotion_lm``
and calls audiocraft's original for anything else; on leaving the block the original is back.
:class:`~audiocraft_expotion.solvers.expotion.ExpotionSolver` wraps its ``build_model`` in it.
Everything else builds Expotion models by calling :mod:`audiocraft_expotion.models.builders`
directly, so no other audiocraft function is ever replaced.
"""
import contextlib
import typing as tp

import omegaconf


@contextlib.contextmanager
def expotion_lm_builder() -> tp.Iterator[None]:
    """Within the block, ``audiocraft.models.builders.get_lm_model`` also builds Expotion LMs (re-entrant)."""
    from audiocraft.models import builders as audiocraft_builders
    from .models import builders
    from .names import LM_MODEL

    original = audiocraft_builders.get_lm_model
    if getattr(original, "expotion_patch", False):  # already inside an outer block
        yield
        return

    def get_lm_model(cfg: omegaconf.DictConfig):
        return builders.get_lm_model(cfg) if cfg.lm_model == LM_MODEL else original(cfg)

    get_lm_model.expotion_patch = True  # type: ignore[attr-defined]
    audiocraft_builders.get_lm_model = get_lm_model
    try:
        yield
    finally:
        audiocraft_builders.get_lm_model = original
