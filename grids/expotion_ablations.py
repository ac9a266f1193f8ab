"""The paper's ablation table (Table 1): motion feature {RAFT, Synchformer} x prompt {generic, generated},
plus face only and face + motion (Synchformer, generated captions), each trained as in §4.2.

    dora -P audiocraft_expotion grid expotion_ablations --dry_run --init   # list the 6 XPs, no SLURM
    dora -P audiocraft_expotion grid expotion_ablations                     # launch on SLURM, 4 GPUs each
    dora -P audiocraft_expotion run -d solver=expotion/paper ...            # one XP on the local GPUs

Extra overrides for every XP go after the grid name, e.g. ``dset=expotion/default``.
"""
import typing as tp

from dora import Explorer, Launcher

# (label, conditioner preset, prompt) for each row of Table 1.
ABLATIONS: tp.List[tp.Tuple[str, str, str]] = [
    ("face_generated", "expotion/face", "generated"),
    ("raft_generic", "expotion/motion_raft", "generic"),
    ("raft_generated", "expotion/motion_raft", "generated"),
    ("synchformer_generic", "expotion/motion_synchformer", "generic"),
    ("synchformer_generated", "expotion/motion_synchformer", "generated"),
    ("face_synchformer_generated", "expotion/face_motion", "generated"),
]


@Explorer
def explorer(launcher: Launcher) -> None:
    launcher.slurm_(gpus=4, mem_per_gpu=40)
    launcher.bind_({"solver": "expotion/paper", "dset": "expotion/default"})
    for label, conditioner, prompt in ABLATIONS:
        launcher({"conditioner": conditioner, "expotion.prompt": prompt, "label": label})
