"""The paper's ablation table (Table 1): motion feature {RAFT, Synchformer} x prompt {generic, generated},
plus face only and face + motion (Synchformer, generated captions), each trained as in §4.2; and the
face + motion model adapting only the last half of MusicGen-medium's 48 layers (``adaptor.num_layers=24``).

    dora -P audiocraft_expotion grid expotion_ablations                     # launch on SLURM, 4 GPUs each
    dora -P audiocraft_expotion grid expotion_ablations --dry_run --init    # list the 7 XPs, no SLURM
    dora -P audiocraft_expotion run -f SIG                                   # then run one listed XP here
    dora -P audiocraft_expotion run -d -f SIG                                # ... on all local GPUs

``--init`` stores each XP's overrides, so ``run -f SIG`` (dora's own mechanism) runs it on this
machine. The dataset is ``dset=expotion/default`` (``egs/expotion/<split>``).
``expotion_ablations_cpu`` is the same grid sized for a CPU.
"""
from dora import Launcher

from ._explorers import ExpotionExplorer, launch_ablations


@ExpotionExplorer
def explorer(launcher: Launcher) -> None:
    launcher.slurm_(gpus=4, mem_per_gpu=40)
    launcher.bind_({"solver": "expotion/paper", "dset": "expotion/default"})
    launch_ablations(launcher, half_layers=24)
