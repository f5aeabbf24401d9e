"""Identity evidence, pure: real registry records of one trial agree, records of different trials do not.

Same trial: COVID-19 trials whose EU CTR registration states the NCT id (the cross-registration pipeline's
``trn1inreg2`` rows in ``links/crossreg/crossreg_pipeline_output.csv``), both records as the ICTRP COVID export
gives them. Different trials: two CT.gov records (two NCT ids are two trials by the registry's own rule).
"""

from __future__ import annotations

import csv
import dataclasses
import itertools

import pytest

from tests.data import shared
from trialgraph.loaders.ictrp import covid_csv
from trialgraph.model.identity_evidence import APPLY, CONFLICT, RecordFacts, agreement, decide
from trialgraph.model.study import StudyRecord
from trialgraph.models.identity.evaluate import GoldPair, evaluate_identity, split_of
from trialgraph.models.identity.resolve import Evidence, RecordIdentity, resolve
from trialgraph.models.identity.weigh import records_to_read, weigh, without_conflicts

COVID = "registries/ictrp/ictrp_covid19_web_2020-04-15.csv.gz"
PIPELINE = "links/crossreg/crossreg_pipeline_output.csv"


@pytest.fixture(scope="module")
def covid() -> dict[str, StudyRecord]:
    records = {}
    for item, _ in covid_csv.parse(shared(COVID)):
        if isinstance(item, StudyRecord):
            records[item.canonical_id or item.registry_id] = item
    return records


@pytest.fixture(scope="module")
def stated_pairs(covid: dict[str, StudyRecord]) -> list[tuple[str, str]]:
    """EudraCT/NCT pairs the EU registration states, with both records in the COVID export."""
    with shared(PIPELINE).open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["trn1inreg2"] == "TRUE" or r["trn2inreg1"] == "TRUE"]
    pairs = sorted({(r["trn1"], r["trn2"]) for r in rows if r["trn1"] in covid and r["trn2"] in covid})
    assert len(pairs) >= 5, pairs
    return pairs


def _facts(covid: dict[str, StudyRecord], trial_id: str) -> RecordFacts:
    return RecordFacts.of(covid[trial_id], trial_id)


def test_records_of_one_trial_agree_enough_to_apply(covid: dict[str, StudyRecord], stated_pairs) -> None:
    for a, b in stated_pairs:
        result = agreement(_facts(covid, a), _facts(covid, b))
        assert result.score is not None and result.score >= APPLY, (a, b, result)
        assert decide(result, stated=True) == "applied"
        assert result.signal("title") is not None and result.signal("title").agreement >= 0.6


def test_different_trials_mostly_conflict_and_never_join(covid: dict[str, StudyRecord], stated_pairs) -> None:
    ncts = sorted({b for _, b in stated_pairs if b.startswith("NCT")} | {a for a, _ in stated_pairs if a[:3] == "NCT"})
    decisions = []
    for a, b in itertools.combinations(ncts, 2):
        result = agreement(_facts(covid, a), _facts(covid, b))
        assert decide(result, stated=False) == "candidate", (a, b, result)
        decisions.append(decide(result, stated=True))
        if decisions[-1] == "conflict":
            assert result.score < CONFLICT and "title" in result.reason(), result
    # Two trials of one sponsor with boilerplate-sharing titles (Ghent's SARPAC and COV-AID) can still pass APPLY:
    # a registry's statement is weighed, not overruled, unless the titles disagree.
    assert decisions.count("conflict") >= len(decisions) * 0.8, decisions


def test_a_missing_signal_is_not_disagreement(covid: dict[str, StudyRecord], stated_pairs) -> None:
    a, b = (_facts(covid, x) for x in stated_pairs[0])
    full = agreement(a, b)
    bare = agreement(a, dataclasses.replace(b, sponsors=(), enrollment=None, conditions=(), start_date=None))
    assert [s.name for s in bare.signals] == ["title"]
    assert bare.score == round(bare.signals[0].agreement, 4) >= APPLY
    assert full.score is not None and full.score >= APPLY
    nothing = agreement(a, RecordFacts("x"))
    assert nothing.score is None and decide(nothing, stated=True) == "unscored"
    assert decide(nothing, stated=False) == "candidate"


def test_titles_in_another_script_are_not_compared(covid: dict[str, StudyRecord], stated_pairs) -> None:
    a = _facts(covid, stated_pairs[0][0])
    chinese = dataclasses.replace(a, record_id="zh", brief_title="新型冠状病毒肺炎的临床研究", official_title=None)
    assert agreement(a, chinese).signal("title") is None


def test_the_gold_split_is_fixed_and_halves_the_pairs() -> None:
    pairs = [GoldPair(f"NCT{n:08d}", f"20{n % 20:02d}-00{n:04d}-11", "t") for n in range(400)]
    parts = [split_of(p) for p in pairs]
    assert parts == [split_of(GoldPair(p.id_b, p.id_a, "other")) for p in pairs]  # order and source do not matter
    assert 150 < parts.count("test") < 250 and set(parts) == {"dev", "test"}


def test_the_evaluation_reports_coverage_first_then_scores_then_errors() -> None:
    trials = {"NCT1": "T1", "E1": "T1", "NCT2": "T2", "E2": "T3", "NCT3": "T1"}
    pairs = [GoldPair("NCT1", "E1", "g"), GoldPair("NCT2", "E2", "g"), GoldPair("NCT4", "E4", "g")]
    figures = evaluate_identity(pairs, trials.get, loaded=lambda i: i.startswith("NCT")).as_dict()
    keys = list(figures)
    assert keys[:5] == ["gold_pairs", "judged_pairs", "uncovered_pairs", "coverage", "both_loaded"]
    assert keys.index("precision") < keys.index("recall") < keys.index("false_joins") < keys.index("misses")
    assert (figures["judged_pairs"], figures["uncovered_pairs"], figures["both_loaded"]) == (2, 1, 0)
    assert figures["recall"] == 0.5 and figures["recall_n"] == 2 and len(figures["recall_ci"]) == 2
    assert figures["misses"] == [["NCT2", "T2", "E2", "T3"]]
    assert figures["false_joins"] == []  # NCT3 is no gold id: its trial's pairs are not judged


def test_weighing_drops_a_contradicted_claim_and_joins_a_strong_candidate(covid: dict[str, StudyRecord]) -> None:
    ids = ("2020-001500-41", "NCT04342221", "NCT04330638", "2020-001224-33")
    facts = {f"ictrp:{i}": RecordFacts.of(covid[i], f"ictrp:{i}") for i in ids}
    eu = "ictrp:2020-001500-41"
    records = [
        RecordIdentity(eu, ids[0], "EUCTR", (Evidence(ids[0], "NCT04342221", eu, "SecondaryIDs"),
                                              Evidence(ids[0], ids[0], eu, "member_state"))),
        *(RecordIdentity(f"ictrp:{i}", i, "EUCTR" if i[0] == "2" else "ClinicalTrials.gov") for i in ids[1:]),
    ]  # fmt: skip
    stated = [Evidence("NCT04330638", ids[0], "intovalue-registry-crossreg", "registry")]
    pipeline = "intovalue-crossreg-pipeline"
    candidates = [Evidence(ids[3], "NCT04342221", pipeline, "is_title_matched"),
                  Evidence("NCT04330638", "NCT04342221", pipeline, "is_title_matched")]  # fmt: skip
    assert records_to_read(records, stated, candidates) == set(facts)
    weighed = {(w.evidence.id_a, w.evidence.id_b): w for w in weigh(records, stated, candidates, facts)}
    assert weighed[(ids[0], ids[0])].decision == "unscored"  # naming its own number: nothing to weigh
    claim = weighed[(ids[0], "NCT04342221")]
    assert (claim.kind, claim.decision, claim.best.record_a) == ("claim", "conflict", eu)
    assert claim.marks()["identity_reason"].startswith("title ") and claim.marks()["applied_by"] is None
    assert weighed[("NCT04330638", ids[0])].decision == "applied"
    assert weighed[(ids[3], "NCT04342221")].decision == "joined"
    assert weighed[(ids[3], "NCT04342221")].marks()["applied_by"] == "evidence-v1"
    assert weighed[("NCT04330638", "NCT04342221")].decision == "candidate"

    kept = without_conflicts(records, weighed.values())
    assert kept[0].claims == (records[0].claims[1],) and kept[1:] == records[1:]
    joined = [w.evidence for w in weighed.values() if w.decision == "joined"]
    resolution = resolve(kept, stated, joined)
    trial = resolution.trial_of_record
    assert trial[eu] == trial["ictrp:NCT04330638"] != trial["ictrp:NCT04342221"] == trial["ictrp:2020-001224-33"]
