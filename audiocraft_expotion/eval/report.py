"""``python -m audiocraft_expotion.eval.report RESULT_DIR... -o table/``: one Table-1 for many systems.

Reads the ``summary.json`` of each results folder written by ``python -m audiocraft_expotion.eval``
and writes ``table.md``, ``table.csv`` and ``table.png`` with the paper's published Table 1 as
reference rows (source ``paper``) above the evaluated systems.
"""
import sys
import typing as tp
from pathlib import Path

from ..utils.cli import ArgumentParser
from .paper_table import paper_rows
from .plots import plot_table
from .results_io import read_summary
from .table import TableRow, to_markdown, write_csv


def assemble(result_dirs: tp.Sequence[tp.Union[str, Path]], with_paper: bool = True) -> tp.List[TableRow]:
    """Table rows: the paper's (if ``with_paper``) then one per results folder."""
    return (paper_rows() if with_paper else []) + [read_summary(d) for d in result_dirs]


def write_report(rows: tp.Sequence[TableRow], out_dir: tp.Union[str, Path]) -> None:
    """Write ``table.md``, ``table.csv`` and ``table.png`` to ``out_dir`` (created)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "table.md").write_text(to_markdown(rows, with_source=True), encoding="utf-8")
    write_csv(rows, out_dir / "table.csv", with_source=True)
    plot_table(rows, out_dir / "table.png")


def main(argv: tp.Optional[tp.Sequence[str]] = None) -> int:
    parser = ArgumentParser(prog="python -m audiocraft_expotion.eval.report",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("result_dirs", nargs="+", help="results folders of `python -m audiocraft_expotion.eval`")
    parser.add_argument("-o", "--output", required=True, help="output folder")
    parser.add_argument("--no-paper", action="store_true", help="leave out the paper's reference rows")
    args = parser.parse_args(argv)
    rows = assemble(args.result_dirs, with_paper=not args.no_paper)
    write_report(rows, args.output)
    print(to_markdown(rows, with_source=True))
    print(f"report written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
