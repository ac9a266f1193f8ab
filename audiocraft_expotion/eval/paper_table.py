"""Table 1 of the Expotion paper (arXiv 2507.04955), transcribed as reference rows (source ``paper``).

``–``: no Prompt cell in the paper (Video2Music and VidMuse are not text-conditioned).
"""
from .table import METRIC_COLUMNS, TableRow

_PAPER_ROWS = (
    ("face", "Generated", 2.52, 0.74, 1.45, 31.53, 0.38, 0.48, 0.55),
    ("motion RAFT", "Generic", 3.56, 1.05, 1.16, 28.07, 0.37, 0.38, 0.65),
    ("motion RAFT", "Generated", 2.25, 0.66, 1.53, 33.71, 0.37, 0.52, 0.59),
    ("motion Syncformer", "Generic", 3.52, 1.08, 1.20, 31.03, 0.35, 0.37, 0.61),
    ("motion Syncformer", "Generated", 1.93, 0.65, 1.57, 32.89, 0.36, 0.52, 0.61),
    ("face+motion Syncformer", "Generated", 2.55, 0.67, 1.49, 32.72, 0.37, 0.54, 0.59),
    ("MusicGen", "Generated", 2.76, 0.79, 1.54, 35.84, 0.33, 0.50, 0.42),
    ("Video2Music", "", 18.97, 1.32, 1.01, 26.13, 0.38, 0.25, 0.59),
    ("VidMuse", "", 9.91, 1.10, 1.33, 33.01, 0.37, 0.36, 0.52),
)


def paper_rows() -> list:
    """The nine rows of the paper's Table 1 as :class:`TableRow` with ``source="paper"``."""
    return [TableRow(motion_feat, prompt, dict(zip(METRIC_COLUMNS, values)), source="paper")
            for motion_feat, prompt, *values in _PAPER_ROWS]
