"""Bar plots comparing systems on the Table-1 metrics (matplotlib, Agg backend, PNG)."""
import typing as tp
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from .availability import Unavailable  # noqa: E402
from .table import METRIC_COLUMNS, TableRow, row_label  # noqa: E402


def plot_table(rows: tp.Sequence[TableRow], path: tp.Union[str, Path]) -> None:
    """One bar chart per metric (one bar per row); paper rows grey, unavailable / unreported cells 'n/a'."""
    fig, axes = plt.subplots(1, len(METRIC_COLUMNS), figsize=(3.2 * len(METRIC_COLUMNS), 1.5 + 0.35 * len(rows)),
                             sharey=True, squeeze=False)
    labels = [row_label(row) for row in rows]
    for ax, (key, title) in zip(axes[0], METRIC_COLUMNS.items()):
        for i, row in enumerate(rows):
            value = row.values.get(key)
            if value is None or isinstance(value, Unavailable):
                ax.text(0, i, " n/a", va="center", fontsize=8, color="crimson")
            else:
                ax.barh(i, value, color="lightgrey" if row.source == "paper" else "tab:blue")
        ax.set_title(title, fontsize=9)
        ax.tick_params(axis="x", labelsize=7)
    axes[0][0].set_yticks(range(len(rows)), labels, fontsize=7)
    axes[0][0].invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
