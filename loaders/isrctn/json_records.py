"""ISRCTN records as ctrdata stores them: JSON objects (one per line, or a single object/array file).

ctrdata converts the ISRCTN API XML to JSON keeping the element names, so each object is already the
dict :mod:`trialgraph.loaders.isrctn.mapping` reads. Lines are decoded one at a time: a bad line
quarantines that line only. A last line without its line end, or a whole ``.json`` file, that stops before
its value closes is a cut download: its entry is ``truncated``, so the load is ``partial``.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import orjson

from trialgraph.loaders.files import json_ends_early, no_records_entry
from trialgraph.loaders.isrctn.mapping import trial_to_record
from trialgraph.loaders.registries.files import Parsed, guarded, one_line
from trialgraph.model.staged import Quarantined

__all__ = ["SOURCE_FORMAT", "iter_json_file", "iter_jsonl_file"]

SOURCE_FORMAT = "isrctn-json"


def iter_jsonl_file(path: Path) -> Iterator[Parsed]:
    """One item per non-blank line of a JSONL file (origin ``path:line``)."""
    with path.open("rb") as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            yield _parse(line, f"{path}:{line_no}", cut=not line.endswith((b"\n", b"\r")))


def iter_json_file(path: Path) -> Iterator[Parsed]:
    """A ``.json`` file: one trial object, or an array of them (origin ``path[index]``)."""
    data = path.read_bytes()
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        cut = json_ends_early(data, exc)
        reason = f"{'file cut before its JSON value closed: ' if cut else ''}invalid JSON: {one_line(exc)}"
        yield Quarantined(origin=str(path), reason=reason, truncated=cut), str(path)
        return
    if isinstance(value, list):
        if not value:  # parses, but holds no trial: refused whole, never 0 records in silence
            yield no_records_entry(path, "empty JSON array (no trial)"), str(path)
        for index, element in enumerate(value):
            origin = f"{path}[{index}]"
            yield guarded(partial(trial_to_record, element, source_format=SOURCE_FORMAT), origin), origin
    else:
        yield guarded(partial(trial_to_record, value, source_format=SOURCE_FORMAT), str(path)), str(path)


def _parse(line: bytes, origin: str, *, cut: bool = False) -> Parsed:
    """One line's record; ``cut``: the line has no line end (the file's last), so bad JSON is a cut there."""
    try:
        value: Any = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        if cut:
            reason = f"line cut at end of file (no line end): invalid JSON: {one_line(exc)}"
            return Quarantined(origin=origin, reason=reason, truncated=True), origin
        return Quarantined(origin=origin, reason=f"invalid JSON: {one_line(exc)}"), origin
    return guarded(partial(trial_to_record, value, source_format=SOURCE_FORMAT), origin), origin
