"""Memory of a zip bomb and a gzip bomb through the real loader (issue 18: "a memory figure for the zip bomb").

Builds, in a temporary folder, a zip whose one member is ``--gb`` GiB of zeros (named as a legacy CT.gov study)
and a ``.jsonl.gz`` of as many zeros, then reads each with the real CT.gov source (``loaders`` reading, with
the decompression caps of the settings) in a child process, and reports the child's peak RSS above its own
baseline (``resource.getrusage(RUSAGE_SELF).ru_maxrss``, measured after imports, before the read) and the
rejection reason. No database is needed: the caps act in the reader, before anything is written.

    TRIALGRAPH_SHARED_DATA=... .venv/bin/python tests/bench/bench_bomb.py --gb 10
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

_CHUNK = b"\0" * (1 << 20)

_CHILD = """
import json, resource, sys
from pathlib import Path
from trialgraph.loaders.base import discover
from trialgraph.model.staged import Quarantined
reader = discover().create("ctgov")
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
reasons, items = [], 0
for item in reader.read([Path(sys.argv[1])], load_run="bench"):
    items += 1
    if isinstance(item, Quarantined):
        reasons.append(item.reason)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"baseline_kb": base, "peak_kb": peak, "items": items, "reasons": reasons}))
"""


def zip_bomb(path: Path, gib: int) -> None:
    """One deflated member of ``gib`` GiB of zeros (zip64), written in 1 MiB chunks."""
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("NCT0000xxxx/NCT00000102.xml", "w", force_zip64=True) as member,
    ):
        for _ in range(gib << 10):
            member.write(_CHUNK)


def gzip_bomb(path: Path, gib: int) -> None:
    """One gzip stream of ``gib`` GiB of zeros, written in 1 MiB chunks."""
    with gzip.open(path, "wb", compresslevel=9) as stream:
        for _ in range(gib << 10):
            stream.write(_CHUNK)


def measure(path: Path) -> dict[str, object]:
    """Read ``path`` with the CT.gov source in a fresh process: its peak RSS above baseline and its reasons."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the child failed ({done.returncode}): {done.stderr.strip().splitlines()[-1:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "file": path.name,
        "compressed_kib": path.stat().st_size >> 10,
        "peak_rss_above_baseline_mib": round((figures["peak_kb"] - figures["baseline_kb"]) / 1024, 1),
        "baseline_rss_mib": round(figures["baseline_kb"] / 1024, 1),
        "items": figures["items"],
        "reasons": figures["reasons"],
        "seconds": round(time.perf_counter() - started, 2),
    }


def main() -> None:
    """Build both bombs, measure each, print one JSON object per bomb."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gb", type=int, default=10, help="GiB of zeros in each bomb (default 10)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bomb-") as folder:
        for name, build in (("AllPublicXML.zip", zip_bomb), ("studies.jsonl.gz", gzip_bomb)):
            path = Path(folder) / name
            started = time.perf_counter()
            build(path, args.gb)
            built = round(time.perf_counter() - started, 1)
            print(json.dumps({"gib_of_zeros": args.gb, "build_seconds": built, **measure(path)}), flush=True)
            path.unlink()


if __name__ == "__main__":
    main()
