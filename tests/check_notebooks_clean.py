"""Check that notebooks are committed without outputs (run by ``make lint``).

Usage: ``python tests/check_notebooks_clean.py [notebook or folder ...]`` (default
``notebooks/``). Exits 1 naming every notebook with outputs or execution counts; clear
them with ``jupyter nbconvert --clear-output --inplace notebooks/*.ipynb``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def dirty_cells(path: Path) -> list[int]:
    """Return the indexes of code cells that carry outputs or an execution count."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [
        i
        for i, cell in enumerate(nb.get("cells", []))
        if cell.get("cell_type") == "code"
        and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]


def notebooks(args: list[str]) -> list[Path]:
    """The notebooks named (folders searched), default those under ``notebooks/``."""
    targets = [Path(a) for a in args] or [ROOT / "notebooks"]
    found: list[Path] = []
    for target in targets:
        found += sorted(target.rglob("*.ipynb")) if target.is_dir() else [target]
    return [p for p in found if ".ipynb_checkpoints" not in p.parts]


def main(argv: list[str]) -> int:
    paths = notebooks(argv)
    bad = {p: cells for p in paths if (cells := dirty_cells(p))}
    for path, cells in bad.items():
        print(f"{path}: outputs in code cells {cells}", file=sys.stderr)
    if bad:
        print(
            "notebooks are committed without outputs: "
            "jupyter nbconvert --clear-output --inplace notebooks/*.ipynb",
            file=sys.stderr,
        )
        return 1
    print(f"{len(paths)} notebooks clean")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
