"""Where tests find data: the shared real data set (read-only), located through one helper."""

from __future__ import annotations

import csv
import gzip
import json
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def shared_data_dir() -> Path:
    """The shared data folder: env TRIALGRAPH_SHARED_DATA, else ../shared/data beside the repo."""
    configured = os.environ.get("TRIALGRAPH_SHARED_DATA")
    return Path(configured) if configured else REPO_ROOT.parent / "shared" / "data"


def shared(relative: str) -> Path:
    """A path inside the shared data; skips the calling test, with the reason, when the data is absent."""
    root = shared_data_dir()
    path = root / relative
    if not path.exists():
        if os.environ.get("TRIALGRAPH_REQUIRE_SHARED_DATA"):  # CI: missing data is a failure, not a skip
            pytest.fail(f"shared data not found: {path} (TRIALGRAPH_REQUIRE_SHARED_DATA is set)")
        pytest.skip(f"shared data not found: {path} (set TRIALGRAPH_SHARED_DATA to the shared/data folder)")
    return path


def legacy_studies() -> Iterator[tuple[str, bytes]]:
    """(member name, XML bytes) of every study in the shared legacy dump subset, in archive order."""
    with zipfile.ZipFile(shared("ctgov/legacy/AllPublicXML-subset.zip")) as archive:
        for member in archive.namelist():
            if member.endswith(".xml"):
                yield member, archive.read(member)


def v2_studies() -> Iterator[dict]:
    """Every shared API v2 study (``ctgov/v2/studies.jsonl.gz``), decoded."""
    with gzip.open(shared("ctgov/v2/studies.jsonl.gz"), "rt", encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


ICTRP_FULL_EXPORT = "registries/ictrp/ictrp_full_export_sample.csv"


def ictrp_export_with_target_sizes(path: Path, sizes: list[str]) -> list[str]:
    """Real rows of ICTRP's full export (one per size, from the 2nd on) with ``Target_size`` replaced, written to
    ``path``; their trial ids."""
    with shared(ICTRP_FULL_EXPORT).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))[1 : 1 + len(sizes)]
    for row, size in zip(rows, sizes, strict=True):
        row["Target_size"] = size
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return [row["TrialID"] for row in rows]
