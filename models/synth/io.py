"""Writing a synthetic batch: the kept rows as JSON lines and the batch report beside them, for every generator.

The rows file appears whole or not at all (written to a ``.partial`` file, then renamed), so an interrupted run
never leaves a half batch that looks complete; the report is ``<name>.report.json`` next to ``<name>.jsonl``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["report_path_for", "write_rows_and_report"]


def report_path_for(out: Path) -> Path:
    return out.with_name(out.name.removesuffix(".jsonl") + ".report.json")


def write_rows_and_report(rows: Iterable[dict[str, Any]], report: dict[str, Any], out: Path) -> Path:
    """Write ``rows`` to ``out`` and ``report`` beside it; returns the report's path."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with partial.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    partial.replace(out)
    path = report_path_for(out)
    path.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
