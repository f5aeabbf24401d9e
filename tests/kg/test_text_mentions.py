"""Free text linked to concepts in the real graph (`trialgraph link --fields ...`) on the demo samples (CT.gov
and ICTRP records, the MeSH slice) and one PubMed file, compared with the offline linker run on the same texts."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest
from typer.testing import CliRunner

from tests.data import shared
from tests.graphcheck import description_mismatches, rows, value
from trialgraph.api import TrialGraph
from trialgraph.cli import app
from trialgraph.demo import sample_path
from trialgraph.kg.mentions import CRITERION_TYPES, link_mentions
from trialgraph.link import Linker
from trialgraph.models.linking.language import LANGUAGE_RULES
from trialgraph.settings import Settings

runner = CliRunner()
NEOPLASMS = "MESH:D009369"

EDGES = """
MATCH (item:Criterion)-[m:MENTIONS]->(k:Concept)
RETURN item.key AS key, k.curie AS curie, m.start AS start, m.end AS end, m.text AS text, m.negated AS negated,
       m.history AS history, m.method_version AS method_version, m.load_run AS load_run, m.kb_version AS kb_version
"""


@pytest.fixture(scope="module")
def linked(neo4j_server: Settings, neo4j_driver: neo4j.Driver) -> Iterator[dict[str, object]]:
    from tests.conftest import wipe

    wipe(neo4j_driver)
    shutil.rmtree(neo4j_server.home / "linker", ignore_errors=True)
    for source, name in (("mesh", "mesh-demo.nt.gz"), ("ctgov", "ctgov-demo.jsonl.gz"), ("ictrp", "ictrp-demo.csv")):
        assert runner.invoke(app, ["load", source, str(sample_path(name))]).exit_code == 0
    result = runner.invoke(app, ["link", "--fields", "criteria"])
    assert result.exit_code == 1 and "link build-index" in result.output and "Traceback" not in result.output
    assert runner.invoke(app, ["link", "build-index"]).exit_code == 0
    result = runner.invoke(app, ["link", "--fields", "criteria", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    yield {**data["criteria"], "mentions_by_vocabulary": data["mentions_by_vocabulary"]}


def _edges(graph: neo4j.Driver) -> list[dict[str, object]]:
    return sorted(rows(graph, EDGES), key=lambda e: (str(e["key"]), int(e["start"]), str(e["curie"])))  # type: ignore[call-overload]


def test_stored_mentions_equal_the_offline_linker_on_each_item(
    linked: dict[str, object], neo4j_driver: neo4j.Driver, neo4j_server: Settings
) -> None:
    items = rows(neo4j_driver, "MATCH (c:Criterion) RETURN c.key AS key, c.text AS text")
    assert linked["read"] == len(items) > 100
    linker = Linker.load(neo4j_server)
    expected = []
    for item, spans in zip(items, linker.link_many([i["text"] for i in items], CRITERION_TYPES), strict=True):
        assert all(set(linker.tfidf.generator.kb.cui_to_entity[s.curie].types) & CRITERION_TYPES for s in spans)
        expected += [(item["key"], s.curie, s.start, s.end, s.text, s.negated, s.history) for s in spans]
    fields = ("key", "curie", "start", "end", "text", "negated", "history")
    stored = [tuple(e[f] for f in fields) for e in _edges(neo4j_driver)]
    assert sorted(stored) == sorted(expected) and len(stored) > 50
    texts = {i["key"]: i["text"] for i in items}
    assert all(texts[key][start:end] == text for key, _, start, end, text, _, _ in stored)
    with_mentions = {e[0] for e in stored}
    assert linked["written"] == len(with_mentions) and linked["unchanged"] == len(items) - len(with_mentions)
    assert any(e[5] for e in stored) and any(e[6] for e in stored)  # the demo's items do carry both cues
    by_vocabulary = {(r["field"], r["vocabulary"]): r["mentions"] for r in linked["mentions_by_vocabulary"]}  # type: ignore[union-attr]
    assert by_vocabulary == {("criterion", "MESH"): len(stored)}


def test_relinking_with_the_same_index_reads_nothing_and_changes_nothing(
    linked: dict[str, object], neo4j_driver: neo4j.Driver, neo4j_server: Settings
) -> None:
    before = _edges(neo4j_driver)
    result = runner.invoke(app, ["link", "--fields", "criteria", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["criteria"]["read"] == 0
    assert _edges(neo4j_driver) == before

    # an item the linker has not seen (as a changed record's new item would be) is the only one read
    key = before[0]["key"]
    with neo4j_driver.session() as session:
        session.run("MATCH (c:Criterion {key: $key}) REMOVE c.mentions_linked", key=key).consume()
    with TrialGraph.connect(neo4j_server) as tg:
        report = tg.link_mentions("criteria")
    assert report.read == 1 and report.written == 1
    after = _edges(neo4j_driver)
    strip = [{k: v for k, v in e.items() if k != "load_run"} for e in after]
    assert strip == [{k: v for k, v in e.items() if k != "load_run"} for e in before]
    assert {e["load_run"] for e in after if e["key"] == key} == {report.run_id}


def test_a_new_linker_version_replaces_exactly_the_old_edges(
    linked: dict[str, object], neo4j_driver: neo4j.Driver, neo4j_server: Settings
) -> None:
    before = _edges(neo4j_driver)

    class Revised(Linker):
        MENTION_RULES = "gazetteer-1+negex-1+revised"

    linker = Revised.around(Linker.load(neo4j_server).tfidf)
    report = link_mentions(neo4j_driver, linker, "criteria", quarantine_dir=neo4j_server.quarantine_dir)
    assert report.read == linked["read"]
    after = _edges(neo4j_driver)
    # prose is read through the language rules too, so their version is part of what the edges record
    assert {e["method_version"] for e in after} == {f"{linker.method_version}+{LANGUAGE_RULES}"}
    same = ("key", "curie", "start", "end", "text", "negated", "history")
    assert [{k: e[k] for k in same} for e in after] == [{k: e[k] for k in same} for e in before]
    # and back: the original rules replace the revised edges again
    with TrialGraph.connect(neo4j_server) as tg:
        assert tg.link_mentions("criteria").read == linked["read"]
    assert {e["method_version"] for e in _edges(neo4j_driver)} == {e["method_version"] for e in before}


def test_noun_chunk_candidates_add_edges_that_say_what_found_them_and_leave_with_them(
    linked: dict[str, object], neo4j_driver: neo4j.Driver, neo4j_server: Settings
) -> None:
    before = _edges(neo4j_driver)
    result = runner.invoke(app, ["link", "--fields", "criteria", "--candidates", "noun-chunks", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["criteria"]["read"] == linked["read"]  # a new method version reads every item
    items = rows(neo4j_driver, "MATCH (c:Criterion) RETURN c.key AS key, c.text AS text")
    linker = Linker.load(neo4j_server, candidates="noun-chunks")
    found = linker.link_many([i["text"] for i in items], CRITERION_TYPES)
    expected = [
        (i["key"], s.curie, s.start, s.end, s.matched_on) for i, spans in zip(items, found, strict=True) for s in spans
    ]
    stored = rows(
        neo4j_driver,
        "MATCH (c:Criterion)-[m:MENTIONS]->(k:Concept) "
        "RETURN c.key AS key, k.curie AS curie, m.start AS start, m.end AS end, m.matched_on AS matched_on, "
        "m.method_version AS method_version",
    )
    assert sorted((e["key"], e["curie"], e["start"], e["end"], e["matched_on"]) for e in stored) == sorted(expected)
    assert {e["method_version"] for e in stored} == {f"{linker.method_version}+{LANGUAGE_RULES}"}
    added = [e for e in stored if e["matched_on"] == "noun-chunk"]
    assert len(added) > 10  # the demo's criteria hold inflected and modified names the gazetteer misses
    gazetteer = sorted((e["key"], e["curie"], e["start"], e["end"]) for e in stored if e["matched_on"] != "noun-chunk")
    assert gazetteer == sorted((e["key"], e["curie"], e["start"], e["end"]) for e in before)
    # linking without them replaces exactly their edges: the graph is as before
    assert runner.invoke(app, ["link", "--fields", "criteria"]).exit_code == 0
    same = ("key", "curie", "start", "end", "text", "negated", "history", "method_version")
    assert [{k: e[k] for k in same} for e in _edges(neo4j_driver)] == [{k: e[k] for k in same} for e in before]


def test_trials_excluding_a_concept_equal_the_edges_read_by_hand(
    linked: dict[str, object], neo4j_driver: neo4j.Driver, neo4j_server: Settings
) -> None:
    descendants = "MATCH (:Concept {curie: $c})<-[:BROADER*0..]-(k:Concept) RETURN k.curie AS curie"
    below = {r["curie"] for r in rows(neo4j_driver, descendants, c=NEOPLASMS)}
    expected: set[str] = set()
    for row in rows(
        neo4j_driver,
        "MATCH (r:RegistryRecord)-[:RECORD_OF]->(t:Trial) MATCH (item:Criterion {record_id: r.record_id})"
        "-[m:MENTIONS]->(k:Concept) "
        "RETURN t.trial_id AS trial, item.kind AS kind, m.negated AS negated, k.curie AS curie",
    ):
        excludes = (row["kind"] == "EXCLUSION") != bool(row["negated"]) and row["kind"] in ("EXCLUSION", "INCLUSION")
        if excludes and row["curie"] in below:
            expected.add(str(row["trial"]))
    with TrialGraph.connect(neo4j_server) as tg:
        found = tg.run_query("trials_excluding_concept", curie=NEOPLASMS, limit=1000)
        assert {r["trial_id"] for r in found} == expected and len(expected) >= 3
        assert all(r["evidence"] and r["items"] >= len(r["evidence"]) for r in found)
        assert tg.run_query("trials_excluding_concept", curie=NEOPLASMS, trusted=["ctgov-derived"]) == []


def test_an_item_too_long_to_link_is_skipped_with_a_reason_and_odd_text_links_quietly_or_gets_its_language(
    linked: dict[str, object], neo4j_driver: neo4j.Driver, neo4j_server: Settings
) -> None:
    odd = {
        "huge": "no history of asthma; " * 10_000,
        "control": "no\x00 history\x07 of \x1bneoplasms\u200b",
        "mixed": "Пациенты без рака; 癌症患者; neoplasms ∅",
        "blank": " \n\t ",
    }
    with neo4j_driver.session() as session:
        for key, text in odd.items():
            session.run(
                "CREATE (:RecordFact:Criterion {key: $key, record_id: 'none', kind: 'EXCLUSION', text: $text})",
                key=f"test-{key}",
                text=text,
            ).consume()
    with TrialGraph.connect(neo4j_server) as tg:
        report = tg.link_mentions("criteria")
    assert (report.read, report.rejected) == (4, 1)
    assert report.not_english == {"ru": 1}  # the mixed item is mostly Russian: its language, no link
    assert value(neo4j_driver, "MATCH (c:Criterion {key: 'test-huge'}) RETURN c.mentions_linked") is None
    lines = [json.loads(line) for line in Path(str(report.quarantine_file)).read_text(encoding="utf-8").splitlines()]
    reason = "eligibility item of 220,000 characters: longer than any real one, not linked"
    assert [line["reason"] for line in lines] == [reason]
    mentions = rows(
        neo4j_driver,
        "MATCH (c:Criterion)-[m:MENTIONS]->(k) WHERE c.key STARTS WITH 'test-' RETURN c.key AS key, m.text AS text",
    )
    found = {(r["key"], r["text"].lower()) for r in mentions}
    assert found == {("test-control", "neoplasms")}
    languages = rows(
        neo4j_driver,
        "MATCH (c:Criterion) WHERE c.key STARTS WITH 'test-' AND c.language IS NOT NULL "
        "RETURN c.key AS key, c.language AS language, c.language_by AS by",
    )
    assert languages == [{"key": "test-mixed", "language": "ru", "by": LANGUAGE_RULES}]
    with neo4j_driver.session() as session:
        session.run("MATCH (c:Criterion) WHERE c.key STARTS WITH 'test-' DETACH DELETE c").consume()


def test_coverage_by_registry_equals_the_edges_counted_by_hand(
    linked: dict[str, object], neo4j_driver: neo4j.Driver, neo4j_server: Settings
) -> None:
    items = rows(
        neo4j_driver,
        "MATCH (r:RegistryRecord)-[:HAS_ELIGIBILITY]->()-[:HAS_CRITERION]->(c:Criterion) "
        "RETURN r.source AS source, r.record_id AS record, c.key AS key",
    )
    edges = rows(neo4j_driver, "MATCH (c:Criterion)-[m:MENTIONS]->() RETURN c.key AS key, m.negated AS negated")
    per_item = Counter(str(e["key"]) for e in edges)
    negated = Counter(str(e["key"]) for e in edges if e["negated"])
    expected = {}
    for source in sorted({str(i["source"]) for i in items}):
        mine = [i for i in items if i["source"] == source]
        linked_items = [i for i in mine if per_item[str(i["key"])]]
        expected[source] = {
            "records_with_items": len({i["record"] for i in mine}),
            "records_linked": len({i["record"] for i in linked_items}),
            "items": len(mine),
            "linked_items": len(linked_items),
            "mentions": sum(per_item[str(i["key"])] for i in mine),
            "negated": sum(negated[str(i["key"])] for i in mine),
        }
    with TrialGraph.connect(neo4j_server) as tg:
        found = {r.pop("source"): r for r in tg.run_query("criteria_link_coverage")}
    for row in found.values():
        assert row.pop("percent_items_linked") == round(100.0 * row["linked_items"] / row["items"], 1)
    assert found == expected and set(found) >= {"ctgov", "ictrp"}
    assert all(row["linked_items"] > 0 for row in found.values())


TEXTS = {
    "outcomes": "MATCH (n:Outcome) RETURN n.key AS key, "
    "[t IN [['outcome_measure', n.measure], ['outcome_description', n.description]] WHERE t[1] IS NOT NULL] AS texts",
    "summaries": "MATCH (n:RegistryRecord) WHERE n.brief_summary IS NOT NULL "
    "RETURN n.record_id AS key, [['brief_summary', n.brief_summary]] AS texts",
    "abstracts": "MATCH (n:Publication) WHERE n.title IS NOT NULL OR n.abstract IS NOT NULL "
    "RETURN n.key AS key, [t IN [['title', n.title], ['abstract', n.abstract]] WHERE t[1] IS NOT NULL] AS texts",
}
STORED = {
    "outcomes": "MATCH (n:Outcome)-[m:MENTIONS]->(k) RETURN n.key AS key, m.field AS field, k.curie AS curie, "
    "m.start AS start, m.end AS end, m.negated AS negated, m.history AS history",
    "summaries": "MATCH (n:RegistryRecord)-[m:MENTIONS]->(k) RETURN n.record_id AS key, m.field AS field, "
    "k.curie AS curie, m.start AS start, m.end AS end, m.negated AS negated, m.history AS history",
    "abstracts": "MATCH (n:Publication)-[m:MENTIONS]->(k) RETURN n.key AS key, m.field AS field, k.curie AS curie, "
    "m.start AS start, m.end AS end, m.negated AS negated, m.history AS history",
}


def _offline(driver: neo4j.Driver, linker: Linker, field: str) -> list[tuple[object, ...]]:
    nodes = rows(driver, TEXTS[field])
    texts = [(n["key"], name, text) for n in nodes for name, text in n["texts"]]  # type: ignore[attr-defined]
    found = linker.link_many([text for _, _, text in texts], CRITERION_TYPES)
    return sorted(
        (key, name, s.curie, s.start, s.end, s.negated, s.history)
        for (key, name, _), spans in zip(texts, found, strict=True)
        for s in spans
    )


def _stored(driver: neo4j.Driver, field: str) -> list[tuple[object, ...]]:
    keys = ("key", "field", "curie", "start", "end", "negated", "history")
    return sorted(tuple(r[k] for k in keys) for r in rows(driver, STORED[field]))  # type: ignore[misc]


def test_outcomes_summaries_and_abstracts_are_linked_like_criteria_and_follow_their_record(
    linked: dict[str, object], neo4j_driver: neo4j.Driver, neo4j_server: Settings
) -> None:
    pubmed = shared("pubmed/hugheylab_pmparser/baseline/pubmed22n1114.xml.gz")
    assert runner.invoke(app, ["load", "pubmed", str(pubmed)]).exit_code == 0
    fields = ["--fields", "outcomes", "--fields", "summaries", "--fields", "abstracts"]
    result = runner.invoke(app, ["link", *fields, "--json"])
    assert result.exit_code == 0, result.output
    reports = json.loads(result.output)
    linker = Linker.load(neo4j_server)
    for field in ("outcomes", "summaries", "abstracts"):
        expected = _offline(neo4j_driver, linker, field)
        assert _stored(neo4j_driver, field) == expected and len(expected) > 10, field
        assert reports[field]["written"] == len({e[0] for e in expected}), field
    by_field = {r["field"] for r in reports["mentions_by_vocabulary"]}
    assert {"outcome_measure", "brief_summary", "title", "abstract"} <= by_field
    again = json.loads(runner.invoke(app, ["link", *fields, "--json"]).output)
    assert [again[f]["read"] for f in ("outcomes", "summaries", "abstracts")] == [0, 0, 0]

    # a record whose content changed (a new version loaded) is read again, and only it; its old edges go
    record = str(rows(neo4j_driver, "MATCH (r:RegistryRecord)-[:MENTIONS]->() RETURN r.record_id AS r LIMIT 1")[0]["r"])
    with neo4j_driver.session() as session:
        session.run(
            "MATCH (r:RegistryRecord {record_id: $r}) SET r.content_hash = 'changed', "
            "r.brief_summary = 'Adults without neoplasms.'",
            r=record,
        ).consume()
    with TrialGraph.connect(neo4j_server) as tg:
        report = tg.link_mentions("summaries")
    assert (report.read, report.written) == (1, 1)
    mine = [e for e in _stored(neo4j_driver, "summaries") if e[0] == record]
    assert mine == [(record, "brief_summary", NEOPLASMS, 15, 24, True, False)]
    assert value(neo4j_driver, "MATCH (r:RegistryRecord {record_id: $r}) RETURN r.mentions_of", r=record) == "changed"


def test_train_encoder_and_eval_linking_with_rerankers_from_the_cli(
    linked: dict[str, object], neo4j_server: Settings, tmp_path: Path
) -> None:
    from tests.models.test_linking_benchmarks import PUBTATOR

    out = tmp_path / "encoder"
    result = runner.invoke(
        app, ["link", "train-encoder", "--max-pairs", "16", "--max-steps", "2", "--batch-size", "4", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "16 pairs, 2 steps" in result.output and (out / "linker_encoder_card.json").is_file()
    corpus = tmp_path / "tiny.PubTator.txt"
    corpus.write_text(PUBTATOR, encoding="utf-8")
    options = ["--mesh", str(sample_path("mesh-demo.nt.gz")), "--studies", str(sample_path()), "--linker", "exact"]
    result = runner.invoke(
        app, ["eval", "linking", *options, "--bc5cdr", str(corpus), "--reranker", "none", "--reranker", str(out),
              "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)["normalisation"]
    # end to end, the linker finding the mentions in the corpus's one document: one result per annotated type
    end_to_end = json.loads(result.output)["end_to_end"]
    assert [(f["type"], f["items"], f["tp"] + f["fn"]) for f in end_to_end] == [("Chemical", 1, 1), ("Disease", 1, 3)]
    by_reranker: dict[str, list[int]] = {}
    for f in figures:
        by_reranker.setdefault(f["reranker"].split("+")[0], []).append(f["accuracy@1"]["mentions"])
    assert set(by_reranker) == {"none", "dense-rerank-1"} and by_reranker["none"] == by_reranker["dense-rerank-1"]
    result = runner.invoke(app, ["eval", "linking", *options, "--bc5cdr", str(corpus), "--reranker", "nowhere"])
    assert result.exit_code == 1 and "no encoder 'nowhere'" in result.output and "Traceback" not in result.output


# Real WHO ICTRP rows (COVID-19 CSV export of 2020-04-15, shared data): an EU CTR record from France whose criteria
# are in French, one whose inclusion criteria are in English and exclusion criteria mostly in French, and an
# English ISRCTN record. The Dutch summary is a CTIS trial's objective (shared data, registries/ctis).
NON_ENGLISH_ROWS = {"EUCTR2020-001271-33-FR": 15, "EUCTR2020-001457-43-FR": 6, "ISRCTN86534580": 0}  # French items
DUTCH = (
    "Het primaire doel van de studie is om aan te tonen dat cervicale toediening van intrathecale baclofen een "
    "veilige behandeling is zonder verslechtering van de long- en ademhalingsfunctie en een mogelijk verhoogd "
    "risico of verhoogde ernst van het slaapapneusyndroom"
)
ENGLISH = "Adults with lung diseases and no history of neoplasms receive inhaled treatment or placebo for twelve weeks."
ITEMS = """
MATCH (c:Criterion) WHERE c.record_id IN $ids
RETURN c.key AS key, c.record_id AS record, c.kind AS kind, c.text AS text, c.language AS language,
       c.language_by AS by, c.mentions_linked AS linked, COUNT { (c)-[:MENTIONS]->() } AS mentions
ORDER BY key
"""
SUMMARIES = """
MATCH (r:RegistryRecord) WHERE r.record_id IN $ids
RETURN r.record_id AS key, r.language AS language, r.language_by AS by, r.mentions_linked AS linked,
       COUNT { (r)-[:MENTIONS]->() } AS mentions
ORDER BY key
"""


def test_non_english_text_gets_its_language_and_no_mentions_and_english_text_keeps_them(
    linked: dict[str, object], neo4j_driver: neo4j.Driver, neo4j_server: Settings, tmp_path: Path
) -> None:
    import csv
    import gzip

    covid = shared("registries/ictrp/ictrp_covid19_web_2020-04-15.csv.gz")
    with gzip.open(covid, "rt", encoding="utf-8", newline="") as f:  # cells hold line breaks: kept as written
        reader = csv.reader(f)
        header, kept = next(reader), [row for row in reader if row[0] in NON_ENGLISH_ROWS]
    export = tmp_path / "ictrp-three.csv"
    with export.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *kept])
    assert len(kept) == 3 and runner.invoke(app, ["load", "ictrp", str(export)]).exit_code == 0
    ids = [f"ictrp:{trial}" for trial in NON_ENGLISH_ROWS]
    result = runner.invoke(app, ["link", "--fields", "criteria", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)["criteria"]
    items = rows(neo4j_driver, ITEMS, ids=ids)
    assert report["read"] == len(items) > 40 and report["not_english"] == {"fr": 21}
    stored = "MATCH (r:LoadRun {run_id: $run}) RETURN r.unlinked_languages"
    assert value(neo4j_driver, stored, run=report["run_id"]) == ["fr: 21"]  # on the run, not only in its JSON

    french = [i for i in items if i["language"] is not None]
    assert {i["language"] for i in french} == {"fr"} and {i["by"] for i in french} == {LANGUAGE_RULES}
    assert Counter(str(i["record"]).removeprefix("ictrp:") for i in french) == +Counter(NON_ENGLISH_ROWS)
    assert all(i["mentions"] == 0 and i["linked"] for i in french)
    assert all(i["kind"] == "EXCLUSION" for i in french if i["record"] == "ictrp:EUCTR2020-001457-43-FR")
    # without the check the offline linker links the French items' words: the check is what left them unlinked
    linker = Linker.load(neo4j_server)
    assert any(linker.link_many([str(i["text"]) for i in french], CRITERION_TYPES))
    # English items keep exactly the mentions the offline linker finds, and get no language
    english = [i for i in items if i["language"] is None]
    assert all(i["by"] is None for i in english)
    found = linker.link_many([str(i["text"]) for i in english], CRITERION_TYPES)
    assert [i["mentions"] for i in english] == [len(spans) for spans in found]
    assert sum(i["mentions"] for i in english if i["record"] == "ictrp:ISRCTN86534580") >= 3

    # summaries: a Dutch one gets its language and no mention, an English one its mentions
    with neo4j_driver.session() as session:
        for record, text in ((ids[0], DUTCH), (ids[2], ENGLISH)):
            session.run(
                "MATCH (r:RegistryRecord {record_id: $r}) SET r.brief_summary = $text, r.content_hash = $text",
                r=record,
                text=text,
            ).consume()
    result = runner.invoke(app, ["link", "--fields", "summaries", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["summaries"]["not_english"] == {"nl": 1}
    summaries = {r["key"]: r for r in rows(neo4j_driver, SUMMARIES, ids=[ids[0], ids[2]])}
    assert (summaries[ids[0]]["language"], summaries[ids[0]]["by"], summaries[ids[0]]["mentions"]) == (
        "nl", LANGUAGE_RULES, 0)  # fmt: skip
    assert summaries[ids[2]]["language"] is None and summaries[ids[2]]["mentions"] == len(linker(ENGLISH)) >= 2

    # running again reads nothing and changes nothing
    before = (rows(neo4j_driver, ITEMS, ids=ids), rows(neo4j_driver, SUMMARIES, ids=ids))
    result = runner.invoke(app, ["link", "--fields", "criteria", "--fields", "summaries", "--json"])
    again = json.loads(result.output)
    assert [again[f]["read"] for f in ("criteria", "summaries")] == [0, 0]
    assert [again[f]["not_english"] for f in ("criteria", "summaries")] == [{}, {}]
    assert (rows(neo4j_driver, ITEMS, ids=ids), rows(neo4j_driver, SUMMARIES, ids=ids)) == before

    # a language the registry stated (no language_by) is never touched; ours goes when the text reads as English
    stated, ours = str(english[0]["key"]), str(french[0]["key"])
    with neo4j_driver.session() as session:
        session.run(
            "MATCH (c:Criterion {key: $stated}) SET c.language = 'fr' REMOVE c.mentions_linked "
            "WITH 1 AS one MATCH (c:Criterion {key: $ours}) SET c.text = $text REMOVE c.mentions_linked",
            stated=stated,
            ours=ours,
            text=ENGLISH,
        ).consume()
    with TrialGraph.connect(neo4j_server) as tg:
        report_again = tg.link_mentions("criteria")
    assert (report_again.read, report_again.not_english) == (2, {})  # type: ignore[attr-defined]
    after = {i["key"]: i for i in rows(neo4j_driver, ITEMS, ids=ids)}
    assert (after[stated]["language"], after[stated]["by"]) == ("fr", None)
    assert after[stated]["mentions"] == english[0]["mentions"]
    assert (after[ours]["language"], after[ours]["by"]) == (None, None) and after[ours]["mentions"] >= 2
    assert [problem for problem in description_mismatches(neo4j_driver) if "language" in problem] == []
