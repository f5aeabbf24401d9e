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

from trialgraph.loaders.registries.jsonlines import iter_json_objects
from trialgraph.model.staged import Quarantined

__all__ = ["iter_json_records"]


def iter_json_records(path: Path) -> Iterator[tuple[dict[str, Any] | Quarantined, str]]:
    """(field dict or rejection, origin ``path:line``) for each non-blank line.

    Raises:
        SourceError: the file cannot be opened.
    """
    return iter_json_objects(path, what="EU CTR JSON lines")
