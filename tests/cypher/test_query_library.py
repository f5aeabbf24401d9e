"""The named query library: every query documented and runnable, and its answers equal to the source's.

Expected answers are computed here from the raw API v2 JSON with plain dict access, never through
TrialGraph's parser, so a query (or a loader) that drops, duplicates or misplaces a fact fails.
"""

from __future__ import annotations

import gzip
import itertools
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import neo4j
import pytest

from tests.data import REPO_ROOT, shared
from trialgraph import demo
from trialgraph.api import TrialGraph
from trialgraph.errors import QueryParameterError, UnknownNameError
from trialgraph.kg import cypher
from trialgraph.kg.load import load
from trialgraph.loaders.base import discover
from trialgraph.settings import Settings

STUDIES = "ctgov/v2/studies.jsonl.gz"
ALL = 1_000_000  # a limit no answer reaches: compare whole answers, not their first page
_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


# ------------------------------------------------------------------ documentation
@pytest.mark.parametrize("name", sorted(cypher.named_queries()))
def test_every_query_is_documented(name: str) -> None:
    doc = cypher.describe(name)
    assert doc.title and doc.purpose and doc.example, f"{name}: title, purpose and example are required"
    used = set(_PARAMETER.findall(doc.body))
    declared = {p.name for p in doc.params}
    assert used == declared, f"{name}: parameters used {sorted(used)} but declared {sorted(declared)}"
    assert all(p.type in {"string", "integer", "boolean", "list<string>"} and p.description for p in doc.params), name
    assert doc.example.split()[:3] == ["trialgraph", "query", name], f"{name}: the example must run this query"
    assert set(doc.example_parameters()) <= declared, name


def test_library_covers_the_researchers_questions() -> None:
    required = {
        "trials_for_condition",
        "top_endpoints_for_condition",
        "enrollment_distribution",
        "termination_reasons",
        "sponsor_pipeline",
        "trial_publications",
        "shared_concepts",
        "top_exclusion_criteria",
        "adverse_events_for_intervention",
        "sites_for_condition",
    }
    assert required <= set(cypher.named_queries())


# ------------------------------------------------------------------ demo data: every example answers
def test_every_example_answers_on_the_demo_data(graph: neo4j.Driver, neo4j_server: Settings) -> None:
    with TrialGraph.connect(neo4j_server) as tg:
        demo.load_demo(tg)  # the shipped samples: CT.gov studies, their MeSH slice, MONDO↔MeSH matches
        for name in cypher.named_queries():
            if name in NOT_IN_THE_DEMO:
                continue
            doc = cypher.describe(name)
            params = {k: cypher.parse_value(v) for k, v in doc.example_parameters().items()}
            rows = tg.run_query(name, **params)
            assert rows, f"{name}: its example ({doc.example}) returns no rows on the demo data"


# the demo ships registry data only; these answer from loaded synthetic batches (tests/kg/test_synthetic_load_graph)
NOT_IN_THE_DEMO = {"synthetic_trials"}


# ------------------------------------------------------------------ shared data: answers equal the source
def _raw_studies() -> list[dict[str, Any]]:
    with gzip.open(shared(STUDIES), "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


@pytest.fixture(scope="module")
def raw() -> list[dict[str, Any]]:
    return _raw_studies()


@pytest.fixture(scope="module")
def tg(
    neo4j_driver: neo4j.Driver, neo4j_server: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TrialGraph]:
    from tests.conftest import wipe

    wipe(neo4j_driver)
    report = load(
        neo4j_driver, discover().create("ctgov"), [shared(STUDIES)], quarantine_dir=tmp_path_factory.mktemp("q")
    )
    assert report.rejected == 0
    with TrialGraph.connect(neo4j_server) as client:
        yield client


def _nct(study: dict[str, Any]) -> str:
    return study["protocolSection"]["identificationModule"]["nctId"]


def _module(study: dict[str, Any], section: str, name: str) -> dict[str, Any]:
    return study.get(section, {}).get(name, {})


def _browse_terms(study: dict[str, Any], module: str) -> set[str]:
    browse = _module(study, "derivedSection", module)
    return {m["term"] for m in browse.get("meshes", []) + browse.get("ancestors", [])}


def _phases(study: dict[str, Any]) -> list[str]:
    return _module(study, "protocolSection", "designModule").get("phases", [])


def _status(study: dict[str, Any]) -> str | None:
    return _module(study, "protocolSection", "statusModule").get("overallStatus")


def _most_common_condition(raw: list[dict[str, Any]], *, needs: str | None = None) -> str:
    counts = Counter(
        term for s in raw if needs is None or needs in _phases(s) for term in _browse_terms(s, "conditionBrowseModule")
    )
    return counts.most_common(1)[0][0]


def _with_condition(raw: list[dict[str, Any]], condition: str) -> list[dict[str, Any]]:
    return [s for s in raw if condition in _browse_terms(s, "conditionBrowseModule")]


def test_trials_for_condition(tg: TrialGraph, raw: list[dict[str, Any]]) -> None:
    condition = _most_common_condition(raw)
    expected = {_nct(s) for s in _with_condition(raw, condition)}
    rows = tg.run_query("trials_for_condition", condition=condition, limit=ALL)
    assert len(expected) > 5
    assert [r["trial_id"] for r in rows] == sorted(expected)


def test_top_endpoints_for_condition(tg: TrialGraph, raw: list[dict[str, Any]]) -> None:
    condition = _most_common_condition(raw, needs="PHASE3")
    expected: Counter[str] = Counter()
    for s in _with_condition(raw, condition):
        if "PHASE3" in _phases(s):
            outcomes = _module(s, "protocolSection", "outcomesModule").get("primaryOutcomes", [])
            expected.update({o["measure"].strip().lower() for o in outcomes if o.get("measure", "").strip()})
    rows = tg.run_query("top_endpoints_for_condition", condition=condition, phase="PHASE3", limit=ALL)
    assert expected
    assert {r["endpoint"]: r["trials"] for r in rows} == dict(expected)
    assert [r["trials"] for r in rows] == sorted((r["trials"] for r in rows), reverse=True)


def test_enrollment_distribution(tg: TrialGraph, raw: list[dict[str, Any]]) -> None:
    condition = _most_common_condition(raw, needs="PHASE3")
    values = sorted(
        _module(s, "protocolSection", "designModule")["enrollmentInfo"]["count"]
        for s in _with_condition(raw, condition)
        if "PHASE3" in _phases(s)
        and _status(s) == "COMPLETED"
        and "count" in _module(s, "protocolSection", "designModule").get("enrollmentInfo", {})
    )
    [row] = tg.run_query("enrollment_distribution", condition=condition)
    assert values, "the data has completed phase 3 trials for the condition"
    assert (row["trials"], row["min"], row["max"]) == (len(values), values[0], values[-1])
    assert row["mean"] == pytest.approx(sum(values) / len(values), abs=0.05)
    for quantile, key in ((0.25, "q1"), (0.5, "median"), (0.75, "q3")):  # a value of the data at that rank
        value = row[key]
        assert value in values
        assert sum(v <= value for v in values) >= quantile * len(values)
        assert sum(v >= value for v in values) >= (1 - quantile) * len(values)


_REASON_RULES = (
    ("enrollment", ("accru", "enrol", "recruit")),
    ("funding", ("fund", "financ", "budget")),
    ("safety", ("safety", "adverse", "toxic")),
    ("efficacy", ("efficacy", "futil", "interim")),
    ("business", ("business", "sponsor", "company", "strateg")),
    ("covid", ("covid", "pandemic")),
)


def _reason(why: str | None) -> str:
    text = (why or "").lower()
    if not text:
        return "not given"
    return next((name for name, stems in _REASON_RULES if any(stem in text for stem in stems)), "other")


def test_termination_reasons(tg: TrialGraph, raw: list[dict[str, Any]]) -> None:
    expected: Counter[tuple[str, str, str]] = Counter()
    for s in raw:
        if _status(s) in ("TERMINATED", "WITHDRAWN", "SUSPENDED"):
            phase = "|".join(_phases(s)) or "not given"
            lead = _module(s, "protocolSection", "sponsorCollaboratorsModule").get("leadSponsor", {})
            why = _module(s, "protocolSection", "statusModule").get("whyStopped")
            expected[(phase, lead.get("class") or "not given", _reason(why))] += 1
    rows = tg.run_query("termination_reasons")
    assert len(expected) > 3
    assert {(r["phase"], r["sponsor_class"], r["reason"]): r["trials"] for r in rows} == dict(expected)


def test_sponsor_pipeline(tg: TrialGraph, raw: list[dict[str, Any]]) -> None:
    def lead(s: dict[str, Any]) -> str:
        return _module(s, "protocolSection", "sponsorCollaboratorsModule")["leadSponsor"]["name"]

    sponsor = Counter(lead(s) for s in raw).most_common(1)[0][0]
    expected: Counter[tuple[str, str, str]] = Counter()
    for s in raw:
        if sponsor.lower() in lead(s).lower():
            start = _module(s, "protocolSection", "statusModule").get("startDateStruct", {}).get("date")
            phase = "|".join(_phases(s)) or "not given"
            expected[(start[:4] if start else "not given", phase, _status(s) or "not given")] += 1
    rows = tg.run_query("sponsor_pipeline", sponsor=sponsor)
    assert sum(expected.values()) > 3
    assert {(r["start_year"], r["phase"], r["status"]): r["trials"] for r in rows} == dict(expected)


def test_trial_publications(tg: TrialGraph, raw: list[dict[str, Any]]) -> None:
    expected: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
    for s in raw:
        for ref in _module(s, "protocolSection", "referencesModule").get("references", []):
            if ref.get("pmid") and ref.get("type"):
                expected[(_nct(s), ref["pmid"])].add(ref["type"])
    rows = tg.run_query("trial_publications", limit=ALL)
    assert len(expected) > 50
    assert {(r["trial_id"], r["pmid"]): set(r["reference_types"]) for r in rows if r["pmid"]} == expected
    assert all(r["sources"] == ["ctgov-reference"] for r in rows)  # no other link source is loaded here
    one_trial = next(iter(expected))[0]
    rows = tg.run_query("trial_publications", trial_id=one_trial)
    assert {r["pmid"] for r in rows if r["pmid"]} == {pmid for nct, pmid in expected if nct == one_trial}
    assert tg.run_query("trial_publications", source="intovalue", limit=ALL) == []


def test_shared_concepts(tg: TrialGraph, raw: list[dict[str, Any]]) -> None:
    def terms(s: dict[str, Any]) -> set[str]:
        return _browse_terms(s, "conditionBrowseModule") | _browse_terms(s, "interventionBrowseModule")

    a, b = max(itertools.combinations(raw[:150], 2), key=lambda pair: len(terms(pair[0]) & terms(pair[1])))
    rows = tg.run_query("shared_concepts", trial_a=_nct(a), trial_b=_nct(b))
    assert len(terms(a) & terms(b)) > 2
    assert {r["term"] for r in rows} == terms(a) & terms(b)


def test_top_exclusion_criteria(tg: TrialGraph, raw: list[dict[str, Any]]) -> None:
    condition = _most_common_condition(raw)
    studies = _with_condition(raw, condition)
    rows = tg.run_query("top_exclusion_criteria", condition=condition, limit=5)
    assert rows and rows[0]["trials"] >= rows[-1]["trials"]
    for row in rows:  # each item is written in the exclusion part of at least that many records' criteria
        in_exclusion_part = 0
        for s in studies:
            text = _module(s, "protocolSection", "eligibilityModule").get("eligibilityCriteria", "")
            _, _, exclusion = text.lower().partition("exclusion criteria")
            in_exclusion_part += row["criterion"] in " ".join(exclusion.split())
        assert in_exclusion_part >= row["trials"], row


def test_adverse_events_for_intervention(tg: TrialGraph, raw: list[dict[str, Any]]) -> None:
    with_results = [s for s in raw if _module(s, "resultsSection", "adverseEventsModule")]
    intervention = Counter(t for s in with_results for t in _browse_terms(s, "interventionBrowseModule")).most_common(
        1
    )[0][0]
    trials: defaultdict[tuple[str, str | None], set[str]] = defaultdict(set)
    affected: Counter[tuple[str, str | None]] = Counter()
    for s in with_results:
        if intervention not in _browse_terms(s, "interventionBrowseModule"):
            continue
        events = _module(s, "resultsSection", "adverseEventsModule")
        for event in events.get("seriousEvents", []) + events.get("otherEvents", []):
            key = (event["term"], event.get("organSystem"))
            for stat in event.get("stats", []):
                if stat.get("numAffected", 0) > 0:
                    trials[key].add(_nct(s))
                    affected[key] += stat["numAffected"]
    rows = tg.run_query("adverse_events_for_intervention", intervention=intervention, limit=ALL)
    assert len(trials) > 5
    assert {(r["term"], r["organ_system"]): (r["trials"], r["affected"]) for r in rows} == {
        key: (len(ids), affected[key]) for key, ids in trials.items()
    }


def test_sites_for_condition(tg: TrialGraph, raw: list[dict[str, Any]]) -> None:
    condition = _most_common_condition(raw)
    trials: defaultdict[str, set[str]] = defaultdict(set)
    sites: Counter[str] = Counter()
    for s in _with_condition(raw, condition):
        for location in _module(s, "protocolSection", "contactsLocationsModule").get("locations", []):
            country = location.get("country") or "not given"
            trials[country].add(_nct(s))
            sites[country] += 1
    rows = tg.run_query("sites_for_condition", condition=condition)
    assert len(trials) > 1
    assert {r["country"]: (r["trials"], r["sites"]) for r in rows} == {c: (len(t), sites[c]) for c, t in trials.items()}


def test_readme_lists_every_query() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    for name, title in cypher.named_queries().items():
        assert f"| `{name}` | {title} |" in readme, f"README's query table lacks {name}"


def test_queries_load_by_name_from_the_cypher_package() -> None:
    from trialgraph import cypher as library

    for name in cypher.named_queries():
        path = REPO_ROOT / "cypher" / "queries" / f"{name}.cypher"
        assert library.load(name) == path.read_text(encoding="utf-8").strip()
        assert library.describe(name).title == cypher.describe(name).title


# ------------------------------------------------------------------ parameters are checked against the header
def test_headers_give_each_optional_parameter_its_default_and_the_cypher_none() -> None:
    for name in cypher.named_queries():
        doc = cypher.describe(name)
        for param in doc.params:
            assert f"coalesce(${param.name}" not in doc.body, f"{name}: the default of {param.name} is in the header"
    limit = next(p for p in cypher.describe("top_sponsors").params if p.name == "limit")
    assert (limit.required, limit.default) == (False, 10)
    trial = next(p for p in cypher.describe("trial_overview").params if p.name == "nct_id")
    assert trial.required


def test_bind_defaults_optional_parameters_and_refuses_unknown_missing_and_mistyped_ones() -> None:
    doc = cypher.describe("enrollment_distribution")
    assert doc.bind({"condition": "Asthma"}) == {"condition": "Asthma", "phase": "PHASE3", "status": "COMPLETED"}
    assert doc.bind({"condition": "Asthma", "phase": None})["phase"] is None  # an explicit null is kept
    with pytest.raises(QueryParameterError, match="has no parameter phse; its parameters: condition, phase, status"):
        doc.bind({"condition": "Asthma", "phse": "PHASE2"})
    with pytest.raises(QueryParameterError, match="needs -p condition="):
        doc.bind({})
    top = cypher.describe("top_sponsors")
    with pytest.raises(QueryParameterError, match="limit must be of type integer, got '5'"):
        top.bind({"limit": "5"})
    with pytest.raises(QueryParameterError, match="limit must be of type integer, got True"):
        top.bind({"limit": True})
    with pytest.raises(QueryParameterError, match="does not fit in a 64-bit integer"):
        top.bind({"limit": 2**63})
    with pytest.raises(QueryParameterError, match="nct_id must be of type string"):
        cypher.describe("trial_overview").bind({"nct_id": 9999999999999999999999999})
    with pytest.raises(QueryParameterError, match=r"ids.x: -\d+ does not fit"):
        cypher.check_values({"ids": [1, {"x": -(2**64)}]})
    concept = cypher.describe("trials_for_concept")
    assert concept.bind({"curie": "MESH:D1"})["trusted"] == ["ctgov-derived"]  # a list default from the header
    assert concept.bind({"curie": "MESH:D1", "trusted": ("a", "b")})["trusted"] == ["a", "b"]
    with pytest.raises(QueryParameterError, match="trusted must be of type list<string>"):
        concept.bind({"curie": "MESH:D1", "trusted": "ctgov-derived"})
    with pytest.raises(QueryParameterError, match="trusted must be of type list<string>"):
        concept.bind({"curie": "MESH:D1", "trusted": ["a", 1]})


def test_run_query_and_run_cypher_check_before_the_server_sees_anything(
    graph: neo4j.Driver, neo4j_server: Settings
) -> None:
    with TrialGraph.connect(neo4j_server) as tg:
        with pytest.raises(QueryParameterError, match="no parameter lmit"):
            tg.run_query("top_sponsors", lmit=5)
        with pytest.raises(UnknownNameError, match="no named query 'MATCH"):
            tg.run_query("MATCH (n) RETURN n")
        with pytest.raises(QueryParameterError, match="64-bit"):
            tg.run_cypher("RETURN $n AS n", n=10**30)
        assert tg.run_cypher("RETURN $n AS n", n=2**62) == [{"n": 2**62}]
        assert tg.run_query("top_sponsors", limit=1) == tg.run_query("top_sponsors")[:1]
