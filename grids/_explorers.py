"""What every Expotion ablation grid shares: the rows of the paper's Table 1 (plus the adapted-layer
count, which the paper leaves open) and the explorer's table columns.

The columns follow audiocraft's ``LMExplorer`` (train / valid cross-entropy and perplexity, best
valid perplexity) and add the evaluate stage's metrics as the solver logs them (see
``ExpotionSolver.evaluate``): FAD (VGGish, lower), KL (CNN14 tags, lower), IS (higher), tempo error
(BPM, lower), beat F1 (higher), CLAP text-audio similarity (higher); a metric that could not be
computed is left blank.
"""
import typing as tp

import treetable as tt
from audiocraft.grids.musicgen._explorers import LMExplorer
from dora import Launcher

# (label, conditioner preset, prompt) for each row of Table 1.
ABLATIONS: tp.List[tp.Tuple[str, str, str]] = [
    ("face_generated", "expotion/face", "generated"),
    ("raft_generic", "expotion/motion_raft", "generic"),
    ("raft_generated", "expotion/motion_raft", "generated"),
    ("synchformer_generic", "expotion/motion_synchformer", "generic"),
    ("synchformer_generated", "expotion/motion_synchformer", "generated"),
    ("face_synchformer_generated", "expotion/face_motion", "generated"),
]
EVALUATE_COLUMNS = [("fad", ".3f"), ("kl", ".3f"), ("is", ".3f"), ("tempo", ".2f"), ("beat_f1", ".3f"),
                    ("text_audio", ".3f")]


class ExpotionExplorer(LMExplorer):
    """``LMExplorer`` with the evaluate stage's metrics (Table-1 order)."""

    def stages(self) -> tp.List[str]:
        return ["train", "valid", "evaluate"]

    def get_grid_metrics(self):
        evaluate = tt.group("evaluate", [tt.leaf(name, fmt) for name, fmt in EVALUATE_COLUMNS], align=">")
        return super().get_grid_metrics() + [evaluate]


def launch_ablations(launcher: Launcher, half_layers: int) -> None:
    """One XP per row of Table 1, then the face + Synchformer model adapting only the last
    ``half_layers`` layers (``adaptor.num_layers``; the rows adapt all layers, the released setting)."""
    for label, conditioner, prompt in ABLATIONS:
        launcher({"conditioner": conditioner, "expotion.prompt": prompt, "label": label})
    launcher({"conditioner": "expotion/face_motion", "expotion.prompt": "generated",
              "adaptor.num_layers": half_layers, "label": "face_synchformer_generated_last_half"})
