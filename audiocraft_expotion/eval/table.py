"""The column layout of the paper's Table 1 and its markdown / CSV rendering.

Columns: Motion Feat. | Prompt | FAD-VGG↓ | Avg. KL↓ | Avg. IS Score↑ | Tempo Err. (bpm)↓ |
F1-score (Beat)↑ | Text-Audio↑ | Video-Audio↑. A cell is a number, ``unavailable`` (the markdown
lists the reasons under the table, the CSV holds ``unavailable: <reason>``) or ``–`` (not reported).
"""
import csv
import typing as tp
from dataclasses import dataclass, field
from pathlib import Path

from .availability import MetricValue, Unavailable

METRIC_COLUMNS = {
    "fad": "FAD-VGG↓", "kl": "Avg. KL↓", "is": "Avg. IS Score↑", "tempo": "Tempo Err. (bpm)↓",
    "beat_f1": "F1-score (Beat)↑", "text_audio": "Text-Audio↑", "video_audio": "Video-Audio↑",
}
TABLE1_COLUMNS = ("Motion Feat.", "Prompt") + tuple(METRIC_COLUMNS.values())
NOT_REPORTED = "–"


@dataclass
class TableRow:
    """One system: its Motion Feat. and Prompt cells, metric values, and where the numbers come from."""
    motion_feat: str
    prompt: str
    values: tp.Dict[str, MetricValue] = field(default_factory=dict)
    source: str = "ours"


def format_cell(value: tp.Optional[MetricValue], digits: int = 2, reason: bool = False) -> str:
    """Text of a metric cell: number with ``digits`` decimals, ``unavailable[: reason]`` or ``–``."""
    if value is None:
        return NOT_REPORTED
    if isinstance(value, Unavailable):
        return str(value) if reason else "unavailable"
    return f"{value:.{digits}f}"


def row_label(row: TableRow) -> str:
    """Name of a row in notes and plots: ``motion feat / prompt [source]``."""
    prompt = f" / {row.prompt}" if row.prompt else ""
    return f"{row.motion_feat}{prompt} [{row.source}]"


def _cells(row: TableRow, with_source: bool, digits: int, reason: bool) -> tp.List[str]:
    cells = [row.source] if with_source else []
    cells += [row.motion_feat or NOT_REPORTED, row.prompt or NOT_REPORTED]
    return cells + [format_cell(row.values.get(key), digits, reason) for key in METRIC_COLUMNS]


def _header(with_source: bool) -> tp.List[str]:
    return (["Source"] if with_source else []) + list(TABLE1_COLUMNS)


def to_markdown(rows: tp.Sequence[TableRow], with_source: bool = False) -> str:
    """Markdown table of ``rows``, followed by the reason of every unavailable cell."""
    header = _header(with_source)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cells(row, with_source, 2, False)) + " |" for row in rows]
    notes = [f"- {row_label(row)} {METRIC_COLUMNS[key]}: {value}"
             for row in rows for key, value in row.values.items() if isinstance(value, Unavailable)]
    if notes:
        lines += ["", "Unavailable metrics:", *notes]
    return "\n".join(lines) + "\n"


def write_csv(rows: tp.Sequence[TableRow], path: tp.Union[str, Path], with_source: bool = False) -> None:
    """CSV of ``rows`` in the Table-1 layout (4 decimals; unavailable cells carry their reason)."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(_header(with_source))
        writer.writerows(_cells(row, with_source, 4, True) for row in rows)
