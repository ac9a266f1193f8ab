"""Writing one system's evaluation to a results folder, and reading its summary back.

A results folder holds ``per_clip.csv``, ``summary.json`` (machine readable, read by
:mod:`.report`), ``summary.md`` / ``summary.csv`` (Table-1 layout), ``unpaired.txt`` and
``summary.png`` (the system beside the paper's rows).
"""
import csv
import json
import typing as tp
from pathlib import Path

from .availability import MetricValue, Unavailable
from .evaluate import EvalResults
from .paper_table import paper_rows
from .plots import plot_table
from .table import METRIC_COLUMNS, TableRow, format_cell, to_markdown, write_csv

SUMMARY_JSON = "summary.json"


def _to_json(value: MetricValue) -> tp.Any:
    return {"unavailable": value.reason} if isinstance(value, Unavailable) else value


def _from_json(value: tp.Any) -> MetricValue:
    return Unavailable(value["unavailable"]) if isinstance(value, dict) else float(value)


def unpaired_report(results: EvalResults) -> str:
    """Text listing the files that have no same-stem partner on the other side."""
    pairing = results.pairing
    lines = [f"{len(pairing.pairs)} paired clips",
             f"generated without reference ({len(pairing.generated_only)}):",
             *[f"  {p}" for p in pairing.generated_only],
             f"reference without generated ({len(pairing.reference_only)}):",
             *[f"  {p}" for p in pairing.reference_only]]
    return "\n".join(lines) + "\n"


def write_per_clip_csv(results: EvalResults, path: Path) -> None:
    """One row per clip: stem, files, estimated tempi and every per-clip metric (4 decimals or reason)."""
    columns = list(dict.fromkeys(key for row in results.clips for key in row))
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in results.clips:
            writer.writerow([row[c] if isinstance(row.get(c), str) else format_cell(row.get(c), 4, True)
                             for c in columns])


def write_results(results: EvalResults, out_dir: tp.Union[str, Path], system: str, prompt_type: str = "") -> TableRow:
    """Write all outputs of one system to ``out_dir`` (created); returns its Table-1 row."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    row = TableRow(system, prompt_type, dict(results.summary))
    write_per_clip_csv(results, out_dir / "per_clip.csv")
    summary = {"system": system, "prompt_type": prompt_type, "num_clips": len(results.clips),
               "metrics": {k: _to_json(v) for k, v in results.summary.items()},
               "generated_only": [str(p) for p in results.pairing.generated_only],
               "reference_only": [str(p) for p in results.pairing.reference_only]}
    (out_dir / SUMMARY_JSON).write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    (out_dir / "summary.md").write_text(to_markdown([row]), encoding="utf-8")
    write_csv([row], out_dir / "summary.csv")
    (out_dir / "unpaired.txt").write_text(unpaired_report(results), encoding="utf-8")
    plot_table(paper_rows() + [row], out_dir / "summary.png")
    return row


def read_summary(result_dir: tp.Union[str, Path]) -> TableRow:
    """The Table-1 row stored in ``result_dir/summary.json``."""
    path = Path(result_dir) / SUMMARY_JSON
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
        values = {k: _from_json(v) for k, v in summary["metrics"].items() if k in METRIC_COLUMNS}
        return TableRow(summary["system"], summary.get("prompt_type", ""), values, source=str(result_dir))
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ValueError(f"{path}: not a readable evaluation summary ({err})") from err
