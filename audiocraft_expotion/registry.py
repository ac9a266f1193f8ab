"""The one seam between audiocraft and this plugin.

audiocraft 1.3.0 builds models and solvers from hard-coded tables in three module-level functions,
which its own code (loaders, solvers, ``audiocraft.train``) looks up at call time:

==============================================  ===========================================
audiocraft function                             what :func:`register` adds
==============================================  ===========================================
``audiocraft.models.builders.get_lm_model``     ``lm_model: expotion_lm`` -> ExpotionLM
``audiocraft.models.builders.get_conditioner_provider``  conditioners with ``model: expotion_visual``
``audiocraft.solvers.builders.get_solver``      ``solver: expotion`` -> ExpotionSolver
(and its re-export ``audiocraft.solvers.get_solver``)
==============================================  ===========================================

:func:`register` wraps each function: an Expotion config goes to our builder, anything else to
audiocraft's original function, untouched. It is explicit (nothing happens on import), idempotent,
and undone by :func:`unregister`. ``ExpotionGen``, the builders' entry points and the dora entry
point (``audiocraft_expotion.train``) call it for you.

It also points ``AUDIOCRAFT_CONFIG`` (audiocraft's cluster "teams" file, which pip-installed
audiocraft lacks) at ours, unless you set it: experiments then go to ``$AUDIOCRAFT_DORA_DIR``,
``$EXPOTION_XP_DIR`` or ``./expotion_xps``.
"""
import os
import typing as tp

import omegaconf

LM_MODEL = "expotion_lm"
VISUAL_CONDITIONER = "expotion_visual"
SOLVER = "expotion"

_originals: tp.Dict[str, tp.Callable] = {}


def is_registered() -> bool:
    return bool(_originals)


def register() -> None:
    """Make audiocraft's builders and loaders accept Expotion configs and checkpoints (idempotent)."""
    if is_registered():
        return
    from .resources import config_dir
    os.environ.setdefault("AUDIOCRAFT_CONFIG", str(config_dir() / "teams" / "default.yaml"))
    from audiocraft import solvers
    from audiocraft.models import builders as model_builders
    from audiocraft.solvers import builders as solver_builders
    from .models import builders as expotion_builders

    base_lm = model_builders.get_lm_model
    base_provider = model_builders.get_conditioner_provider
    base_solver = solver_builders.get_solver

    def get_conditioner_provider(output_dim: int, cfg: omegaconf.DictConfig):
        return expotion_builders.get_visual_conditioner_provider(output_dim, cfg, base_provider)

    def get_lm_model(cfg: omegaconf.DictConfig):
        if cfg.lm_model == LM_MODEL:
            return expotion_builders.get_expotion_lm(cfg, get_conditioner_provider)
        return base_lm(cfg)

    def get_solver(cfg: omegaconf.DictConfig):
        if cfg.solver == SOLVER:
            from .solvers.expotion import ExpotionSolver
            return ExpotionSolver(cfg)
        return base_solver(cfg)

    _originals.update(get_lm_model=base_lm, get_conditioner_provider=base_provider, get_solver=base_solver)
    model_builders.get_lm_model = get_lm_model
    model_builders.get_conditioner_provider = get_conditioner_provider
    solver_builders.get_solver = get_solver
    solvers.get_solver = get_solver


def unregister() -> None:
    """Restore audiocraft's original builder functions."""
    if not is_registered():
        return
    from audiocraft import solvers
    from audiocraft.models import builders as model_builders
    from audiocraft.solvers import builders as solver_builders
    model_builders.get_lm_model = _originals["get_lm_model"]
    model_builders.get_conditioner_provider = _originals["get_conditioner_provider"]
    solver_builders.get_solver = _originals["get_solver"]
    solvers.get_solver = _originals["get_solver"]
    _originals.clear()
