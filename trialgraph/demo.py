"""The demo: a small real sample of ClinicalTrials.gov studies shipped with the package, and example questions."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from importlib import resources
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from trialgraph.loaders.ctgov.api import CtgovApiClient

if TYPE_CHECKING:
    from trialgraph.api import TrialGraph
    from trialgraph.kg.writer import LoadReport

__all__ = ["QUESTIONS", "Question", "link_demo", "load_demo", "sample_path"]


@dataclass(frozen=True, slots=True)
class Question:
    text: str
    query: str
    parameters: dict[str, Any] = field(default_factory=dict)


QUESTIONS: tuple[Question, ...] = (
    Question("Which lead sponsors run the most trials?", "top_sponsors", {"limit": 5}),
    Question("Which trials stopped early, and why?", "stopped_trials_with_reason", {"limit": 5}),
    Question(
        "Which trials did NLM index under 'Neoplasms' (or a narrower term)?",
        "trials_for_condition",
        {"condition": "Neoplasms", "limit": 5},
    ),
    Question(
        "Which serious adverse events were reported in the most trials?", "most_common_adverse_events", {"limit": 5}
    ),
)


def sample_path(name: str = "ctgov-demo.jsonl.gz") -> Path:
    """A shipped sample (see samples/README.md): CT.gov records, and the MeSH and MONDO↔MeSH slices they need."""
    return Path(str(resources.files("trialgraph.samples").joinpath(name)))


EXTRA_SAMPLES = (("mesh", "mesh-demo.nt.gz"), ("sssom", "mondo-mesh-demo.sssom.tsv"), ("ictrp", "ictrp-demo.csv"))


def load_demo(tg: TrialGraph, *, live: bool = False, query: str = "", max_studies: int = 50) -> LoadReport:
    """Load the shipped samples (MeSH slice, MONDO matches, a trial ICTRP lists three times), then the CT.gov
    studies, or with ``live`` a query against the live API; then link the eligibility items (``link_demo``)."""
    for source, name in EXTRA_SAMPLES:
        tg.load(source, [sample_path(name)])
    if not live:
        report = tg.load("ctgov", [sample_path()])
    else:
        with CtgovApiClient() as client, tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "live.jsonl"
            with path.open("wb") as handle:
                for study in client.iter_studies({"query.cond": query}, max_studies=max_studies):
                    handle.write(orjson.dumps(study) + b"\n")
            report = tg.load("ctgov", [path])
    link_demo(tg)
    return report


def link_demo(tg: TrialGraph) -> LoadReport | None:
    """Build the linker index over the demo's MeSH slice and link every eligibility item, so that the
    cross-registry criteria queries answer in the demo; ``None`` where the ``[link]`` extra is not installed
    (a plain ``pip install trialgraph``), whose demo then shows everything else."""
    if not all(find_spec(module) for module in ("spacy", "scispacy", "negspacy")):
        return None
    tg.build_linker_index()
    return tg.link_mentions("criteria")
