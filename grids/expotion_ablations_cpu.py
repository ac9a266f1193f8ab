"""``expotion_ablations`` sized for a CPU: the same 7 XPs on the debug solver (tiny random-weight
LM, 4 layers, so the last half is 2) and the synthetic dataset (``$EXPOTION_DATA``, default
``synthetic_data``, made by ``python -m audiocraft_expotion.data.synthetic``), for trying the
grid machinery end to end without GPUs or SLURM:

    python -m audiocraft_expotion.data.synthetic synthetic_data --num-clips 16 --duration 3
    dora -P audiocraft_expotion grid expotion_ablations_cpu --dry_run --init
    dora -P audiocraft_expotion run -f SIG
"""
from dora import Launcher

from ._explorers import ExpotionExplorer, launch_ablations


@ExpotionExplorer
def explorer(launcher: Launcher) -> None:
    launcher.slurm_(gpus=0)
    launcher.bind_({"solver": "expotion/debug", "dset": "expotion/synthetic"})
    launch_ablations(launcher, half_layers=2)
