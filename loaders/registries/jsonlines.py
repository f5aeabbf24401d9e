"""JSON-lines reading shared by the registry sources that take one JSON object per line (CTIS, EU CTR).

Each line is decoded on its own, so one bad line becomes one quarantine entry (``path:line``) and the lines
after it still load; blank lines are skipped; only a file that cannot be opened stops the run. A last line
without a line end that does not decode is a download that stopped inside it: its entry is ``truncated``, so
the load is ``partial``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from trialgraph.errors import SourceError
from trialgraph.model.staged import Quarantined

__all__ = ["iter_json_objects"]


def iter_json_objects(path: Path, *, what: str) -> Iterator[tuple[dict[str, Any] | Quarantined, str]]:
    """(decoded object or rejection, origin ``path:line``) for each non-blank line of ``path``.

    ``what`` names the input in the error ("CTIS JSON lines").

    Raises:
        SourceError: the file cannot be opened.
    """
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise SourceError(f"cannot read {what} {path}: {exc}") from exc
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            origin = f"{path}:{number}"
            try:
                value = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                if line.endswith((b"\n", b"\r")):
                    yield Quarantined(origin=origin, reason=f"invalid JSON: {exc}"), origin
                else:  # the file's last line, cut: what followed it was never read
                    reason = f"line cut at end of file (no line end): invalid JSON: {exc}"
                    yield Quarantined(origin=origin, reason=reason, truncated=True), origin
                continue
            if not isinstance(value, dict):
                yield Quarantined(origin=origin, reason=f"not a JSON object: {type(value).__name__}"), origin
                continue
            yield value, origin
