"""Dora entry point: ``dora -P audiocraft_expotion run solver=expotion/debug`` (or ``export DORA_PACKAGE=audiocraft_expotion``).

audiocraft's own ``audiocraft.train`` cannot be imported from a pip install (it composes the
``config/`` folder that only its git repository has), so this module is the same small loop on
our config tree: seed and threads, logging, distributed init, per-rank batch size, then
:class:`~audiocraft_expotion.solvers.expotion.ExpotionSolver`, built directly.

Importing this module (what dora does) points ``AUDIOCRAFT_CONFIG`` (audiocraft's cluster "teams" file,
which pip-installed audiocraft lacks) at ours unless it is set: experiments then go to
``$AUDIOCRAFT_DORA_DIR``, ``$EXPOTION_XP_DIR`` or ``./expotion_xps``.
"""
import logging
import multiprocessing
import os
import random
import warnings

from .resources import config_dir, teams_config

os.environ["AUDIOCRAFT_CONFIG"] = str(teams_config())
# dora composes with Hydra 1.1 semantics (version_base="1.1", as audiocraft): not worth a warning per run
warnings.filterwarnings("ignore", message=r'\s*version_base="1\.1" selects Hydra 1\.1 compatibility')

import flashy  # noqa: E402
import numpy as np  # noqa: E402
import omegaconf  # noqa: E402
import torch  # noqa: E402
from dora import git_save, hydra_main  # noqa: E402
from audiocraft.environment import AudioCraftEnvironment  # noqa: E402
from audiocraft.modules.transformer import set_efficient_attention_backend  # noqa: E402
from audiocraft.utils.cluster import get_slurm_parameters  # noqa: E402

from .names import SOLVER  # noqa: E402
from .solvers.expotion import ExpotionSolver  # noqa: E402

logger = logging.getLogger(__name__)


def init_seed_and_system(cfg: omegaconf.DictConfig) -> None:
    """Start method, seeds, CPU threads and attention backend of this process."""
    multiprocessing.set_start_method(cfg.mp_start_method, force=True)
    random.seed(cfg.seed)
    np.random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.num_threads)
    os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(cfg.num_threads)
    set_efficient_attention_backend(cfg.efficient_attention_backend)


def per_rank_batch_size(cfg: omegaconf.DictConfig) -> None:
    """Turn the global batch sizes of ``cfg.dataset`` into per-process ones (data parallel)."""
    world = flashy.distrib.world_size()
    sections = [cfg.dataset] + [cfg.dataset[s] for s in ("train", "valid", "evaluate", "generate")
                                if s in cfg.dataset and "batch_size" in cfg.dataset[s]]
    for section in sections:
        if section.batch_size % world:
            raise ValueError(f"batch_size={section.batch_size} is not divisible by the {world} processes.")
        section.batch_size //= world


def get_solver(cfg: omegaconf.DictConfig) -> ExpotionSolver:
    """The :class:`ExpotionSolver` of ``cfg`` (per-rank batch sizes, absolute data paths).

    Raises:
        ValueError: ``cfg.solver`` is not ``expotion``.
    """
    if cfg.solver != SOLVER:
        raise ValueError(f"audiocraft_expotion trains solver={SOLVER} only, got solver={cfg.solver!r}.")
    per_rank_batch_size(cfg)
    for split, path in cfg.datasource.items():
        if isinstance(path, str):
            cfg.datasource[split] = git_save.to_absolute_path(path)
    return ExpotionSolver(cfg)


@hydra_main(config_path=str(config_dir()), config_name="config", version_base="1.1")
def main(cfg: omegaconf.DictConfig):
    init_seed_and_system(cfg)
    log_name = f"{cfg.execute_only}.log.{{rank}}" if cfg.execute_only else "solver.log.{rank}"
    flashy.setup_logging(level=str(cfg.logging.level).upper(), log_name=log_name)
    flashy.distrib.init(backend="nccl" if torch.cuda.is_available() else "gloo")
    solver = get_solver(cfg)
    if cfg.show:
        solver.show()
        return
    if cfg.execute_only:
        if not (cfg.execute_inplace or cfg.continue_from):
            raise ValueError("execute_only needs continue_from=<sig or path> or execute_inplace=true.")
        solver.restore(replay_metrics=False)
        solver.run_one_stage(cfg.execute_only)
        return
    return solver.run()


main.dora.dir = AudioCraftEnvironment.get_dora_dir()
main._base_cfg.slurm = get_slurm_parameters(main._base_cfg.slurm)

if __name__ == "__main__":
    main()
