"""Benchmark (not a test): the TF-IDF linker's index build, load, memory and linking throughput.

Usage:
    python -m tests.bench.bench_linking                 # MeSH 2022 core, shared CT.gov v2 + legacy studies
    python -m tests.bench.bench_linking --mesh F --studies A B
    python -m tests.bench.bench_linking --load-only ~/.trialgraph/linker/tfidf --gazetteer   # an index as built
    python -m tests.bench.bench_linking --load-only FOLDER --gazetteer --without-torch   # as the `link` extra alone

Phases, each timed on its own: parse MeSH into the knowledge base (the project's reader); build the index
(TF-IDF fit and write); load it in a fresh process (``--load-only``, so the figure includes imports and
no warm cache of this process); link every condition and intervention string of the studies, per study
as the graph writer does. Peak RSS is the process's high-water mark after each phase.

Why ``--without-torch``: importing spaCy imports thinc, which imports torch whenever it is installed (about
500 MB resident and a second or two), though the linker never uses it. The ``link`` extra does not install torch;
the test and ``rag``/``ml`` installs do. The flag makes torch unimportable in the bench process, which is what
thinc sees in an install of the ``link`` extra alone, so both figures can be read on one machine.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.data import shared_data_dir


class _NoTorch:
    """An import finder for which torch is not installed: ``import torch`` raises ModuleNotFoundError, as thinc
    and scipy expect of an install without it (a ``None`` in ``sys.modules`` breaks scipy's torch checks)."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "torch" or name.startswith("torch."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load_only(folder: Path, gazetteer: bool) -> None:
    start = time.perf_counter()
    from trialgraph.models.linking.tfidf import TfidfLinker

    TfidfLinker(folder)
    figures = {"load_s": round(time.perf_counter() - start, 2), "load_peak_rss_mb": round(_rss_mb())}
    if gazetteer:  # the free-text linker: the index plus its PhraseMatcher over every name, built on first text
        from trialgraph.link import Linker

        start = time.perf_counter()
        Linker(folder)("type 2 diabetes")
        figures |= {
            "gazetteer_load_s": round(time.perf_counter() - start, 2),
            "gazetteer_peak_rss_mb": round(_rss_mb()),
        }
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mesh", type=Path, nargs="*")
    parser.add_argument("--studies", type=Path, nargs="*")
    parser.add_argument("--load-only", type=Path, help="time loading this index folder (any build, e.g. the graph's)")
    parser.add_argument("--gazetteer", action="store_true", help="with --load-only: also the free-text linker")
    parser.add_argument("--without-torch", action="store_true", help="torch unimportable, as in the link extra alone")
    args = parser.parse_args()
    if args.without_torch:
        sys.meta_path.insert(0, _NoTorch())
    if args.load_only:
        _load_only(args.load_only, args.gazetteer)
        return
    from trialgraph.models.linking.evaluate import FIELD_TYPES, FIELDS, mesh_dictionary, read_studies
    from trialgraph.models.linking.tfidf import TfidfLinker, build_index

    root = shared_data_dir()
    mesh_paths = args.mesh or [root / "ontologies/mesh/mesh2022-core.nt.gz"]
    study_paths = args.studies or [root / "ctgov/v2/studies.jsonl.gz", root / "ctgov/legacy/AllPublicXML-subset.zip"]
    figures: dict[str, object] = {}
    start = time.perf_counter()
    mesh = mesh_dictionary(mesh_paths)
    figures.update(parse_s=round(time.perf_counter() - start, 1), concepts=len(mesh.concepts))
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        manifest = build_index(mesh.concepts, Path(folder))
        figures.update(build_s=round(time.perf_counter() - start, 1), aliases=manifest.aliases, rss_mb=round(_rss_mb()))
        loaded = subprocess.run(
            [sys.executable, "-m", "tests.bench.bench_linking", "--load-only", folder],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parents[2],
        )
        figures.update(json.loads(loaded.stdout.strip().splitlines()[-1]))
        linker = TfidfLinker(Path(folder))
    studies = list(read_studies(study_paths))
    strings = 0
    start = time.perf_counter()
    for study in studies:
        for field, (strings_of, _) in FIELDS.items():
            texts = strings_of(study)
            strings += len(texts)
            linker.link_many(texts, FIELD_TYPES[field])
    seconds = time.perf_counter() - start
    figures.update(
        studies=len(studies),
        strings=strings,
        link_s=round(seconds, 1),
        studies_per_s=round(len(studies) / seconds, 1),
        strings_per_s=round(strings / seconds, 1),
        peak_rss_mb=round(_rss_mb()),
    )
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
