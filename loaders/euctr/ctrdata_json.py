"""EU CTR records as ctrdata converts them to JSON, one object per line -> field dicts.

ctrdata names protocol fields after their printed labels (``e11_medical_conditions_being_investigated``) and
adds the EudraCT results (``trialInformation``, ``endPoints``, ``adverseEvents``...). The dict is already in
the shape :mod:`trialgraph.loaders.euctr.mapping` reads, so this module only streams and decodes lines; a
line that is not a JSON object is reported, and the lines after it still load.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from trialgraph.errors import SourceError
from trialgraph.loaders.base import Quarantined

__all__ = ["iter_json_records"]


def iter_json_records(path: Path) -> Iterator[tuple[dict[str, Any] | Quarantined, str]]:
    """(field dict or rejection, origin ``path:line``) for each non-blank line.

    Raises:
        SourceError: the file cannot be opened.
    """
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise SourceError(f"cannot read EU CTR JSON lines {path}: {exc}") from exc
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            origin = f"{path}:{number}"
            try:
                value = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                yield Quarantined(origin=origin, reason=f"invalid JSON: {exc}"), origin
                continue
            if not isinstance(value, dict):
                yield Quarantined(origin=origin, reason=f"not a JSON object: {type(value).__name__}"), origin
                continue
            yield value, origin
