"""Load every kind of shared source into an empty graph and dump it: the before/after check of a refactoring.

Not a test (it takes minutes and wipes the graph it points at). Run it once with each commit's install,
against the same server settings, then compare the two dumps:

    /path/to/before/.venv/bin/python tests/bench/graph_equivalence.py /tmp/before.jsonl.gz
    .venv/bin/python tests/bench/graph_equivalence.py /tmp/after.jsonl.gz
    .venv/bin/trialgraph compare-dumps /tmp/before.jsonl.gz /tmp/after.jsonl.gz   # exit 0: identical graphs

Further arguments name properties to leave out of the dump as well: ``content_hash`` when the change bumps the
rows version on purpose (every record's hash changes, and with it every edge's endpoint in the dump).

Only the public API is used (``TrialGraph.load`` and ``TrialGraph.dump``), so the script runs unchanged against
an older install. Every graph writer is exercised: registry records (all six registries), concepts (MeSH RDF,
SSSOM, OBO, OWL, ATC), publications (PubMed, IntoValue links) and curated pairs. The dump leaves out
``LoadRun`` nodes and ``load_run`` properties, which differ between any two loads.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from trialgraph import TrialGraph  # the installed one: the repo root is not put on sys.path, so it cannot shadow it

DATA = Path(os.environ.get("TRIALGRAPH_SHARED_DATA") or Path(__file__).resolve().parents[3] / "shared" / "data")

LOADS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("mesh", ("ontologies/mesh/mesh2022-core.nt.gz",)),
    ("sssom", ("ontologies/mondo/sssom/mondo_exactmatch_mesh.sssom.tsv",)),
    ("obo", ("ontologies/doid/doid.obo.gz",)),
    ("owl", ("ontologies/doid/DO_cancer_slim.owl",)),
    ("atc", ("ontologies/atc",)),
    ("ctgov", ("ctgov/v2/studies.jsonl.gz", "ctgov/legacy/AllPublicXML-subset.zip")),
    ("ictrp", ("registries/ictrp/ictrp_full_export_sample.csv",)),
    ("euctr", ("registries/euctr/euctr_ctrdata_json.jsonl",)),
    ("ctis", ("registries/ctis/ctis_trials.jsonl",)),
    ("isrctn", ("registries/isrctn/isrctn_trials_ctrdata_json.jsonl",)),
    ("anzctr", ("registries/anzctr/SYNTHETIC_anzctr_trials.xml",)),
    ("pubmed", ("pubmed/hugheylab_pmparser/baseline/pubmed22n1114.xml.gz",)),
    ("intovalue", ("links/intovalue/trials.csv.gz",)),
    ("crossreg", ("links/intovalue/registry-crossreg.csv", "links/crossreg/crossreg_pipeline_output.csv")),
)


def main() -> None:
    out, ignored = Path(sys.argv[1]), sys.argv[2:]
    with TrialGraph.connect() as tg:
        with tg.driver.session() as session:
            session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 20000 ROWS").consume()
        for source, paths in LOADS:
            start = time.perf_counter()
            report = tg.load(source, [DATA / p for p in paths])
            counts = {k: getattr(report, k) for k in ("read", "written", "unchanged", "superseded", "rejected")}
            counts["seconds"] = round(time.perf_counter() - start, 1)
            print(json.dumps({"source": source, **counts}), flush=True)
        lines = tg.dump(out, ignored=ignored)
    print(json.dumps({"dump": str(out), "lines": lines}))


if __name__ == "__main__":
    main()
