"""Rebuild the demo's vocabulary samples from the shared data: ``python -m trialgraph.samples.build SHARED_DATA``.

Why ship samples at all: the demo must run on a fresh machine without the shared data set. The MeSH and
MONDO↔MeSH samples hold just what the demo's 40 studies are indexed under (their browse terms with all
ancestors), so the concept queries answer on the demo data exactly as on the full vocabularies.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from importlib import resources
from pathlib import Path

from trialgraph.loaders.ctgov.normalize import mesh_id

_SUBJECT = re.compile(r"^<http://id\.nlm\.nih\.gov/mesh/(?:\d{4}/)?([^>]+)> <([^>]+)> (.*) \.$")
_OBJECT_ID = re.compile(r"^<http://id\.nlm\.nih\.gov/mesh/(?:\d{4}/)?([^>]+)>$")
_FOLLOW = ("#concept", "#preferredConcept", "#preferredTerm", "#term", "#treeNumber", "#broaderDescriptor")


def _demo_descriptors(sample: Path) -> set[str]:
    ids = set()
    with gzip.open(sample, "rt", encoding="utf-8") as fh:
        for line in fh:
            derived = json.loads(line).get("derivedSection", {})
            for module in ("conditionBrowseModule", "interventionBrowseModule"):
                for term in derived.get(module, {}).get("meshes", []) + derived.get(module, {}).get("ancestors", []):
                    ids.add(mesh_id(term["id"]) or term["id"])
    return ids


def build_mesh(mesh_nt: Path, sample: Path, out: Path) -> set[str]:
    """Every triple about the demo's descriptors, their concepts, terms and tree numbers (closed upwards)."""
    wanted = _demo_descriptors(sample)
    with gzip.open(mesh_nt, "rt", encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    while True:  # follow descriptor → concepts → terms, tree numbers and broader descriptors to a fixed point
        grown = set(wanted)
        for line in lines:
            match = _SUBJECT.match(line)
            if match and match.group(1) in wanted and match.group(2).endswith(_FOLLOW):
                target = _OBJECT_ID.match(match.group(3))
                if target:
                    grown.add(target.group(1))
        if grown == wanted:
            break
        wanted = grown
    with gzip.open(out, "wt", encoding="utf-8") as fh:
        for line in lines:
            match = _SUBJECT.match(line)
            if match and match.group(1) in wanted:
                fh.write(line + "\n")
    return {w for w in wanted if w.startswith("D")}


def build_sssom(sssom: Path, descriptors: set[str], out: Path) -> None:
    """The MONDO↔MeSH exact matches of the demo's descriptors, with the mapping set's metadata header."""
    with sssom.open(encoding="utf-8") as source, out.open("w", encoding="utf-8") as target:
        for line in source:
            fields = line.rstrip("\n").split("\t")
            if (
                line.startswith("#")
                or fields[0] == "subject_id"
                or (len(fields) > 3 and fields[3].split(":")[-1] in descriptors)
            ):
                target.write(line)


ICTRP_DEMO_TRIALS = ("EUCTR2018-004320-11-HU", "EUCTR2018-004320-11-GB", "NCT03924869")


def build_ictrp(full_export: Path, out: Path) -> None:
    """Three rows of the ICTRP full export: one trial registered with CT.gov and in two EU member states."""
    with (
        full_export.open(encoding="utf-8", newline="") as source,
        out.open("w", encoding="utf-8", newline="") as target,
    ):
        lines = source.read().splitlines(keepends=True)
        target.write(lines[0])
        target.writelines(line for line in lines[1:] if line.split(",", 1)[0].strip('"') in ICTRP_DEMO_TRIALS)


def main(shared_data: str) -> None:
    root = Path(shared_data)
    here = Path(str(resources.files("trialgraph.samples")))
    descriptors = build_mesh(
        root / "ontologies/mesh/mesh2022-core.nt.gz", here / "ctgov-demo.jsonl.gz", here / "mesh-demo.nt.gz"
    )
    build_ictrp(root / "registries/ictrp/ictrp_full_export_sample.csv", here / "ictrp-demo.csv")
    build_sssom(
        root / "ontologies/mondo/sssom/mondo_exactmatch_mesh.sssom.tsv",
        descriptors,
        here / "mondo-mesh-demo.sssom.tsv",
    )


if __name__ == "__main__":
    main(sys.argv[1])
