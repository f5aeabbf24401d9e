"""ISRCTN records as ctrdata stores them: JSON objects (one per line, or a single object/array file).

ctrdata converts the ISRCTN API XML to JSON keeping the element names, so each object is already the
dict :mod:`trialgraph.loaders.isrctn.mapping` reads. Lines are decoded one at a time: a bad line
quarantines that line only.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import orjson

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
            yield _parse(line, f"{path}:{line_no}")


def iter_json_file(path: Path) -> Iterator[Parsed]:
    """A ``.json`` file: one trial object, or an array of them (origin ``path[index]``)."""
    try:
        value = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        yield Quarantined(origin=str(path), reason=f"invalid JSON: {one_line(exc)}"), str(path)
        return
    if isinstance(value, list):
        for index, element in enumerate(value):
            origin = f"{path}[{index}]"
            yield guarded(partial(trial_to_record, element, source_format=SOURCE_FORMAT), origin), origin
    else:
        yield guarded(partial(trial_to_record, value, source_format=SOURCE_FORMAT), str(path)), str(path)


def _parse(line: bytes, origin: str) -> Parsed:
    try:
        value: Any = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return Quarantined(origin=origin, reason=f"invalid JSON: {one_line(exc)}"), origin
    return guarded(partial(trial_to_record, value, source_format=SOURCE_FORMAT), origin), origin
