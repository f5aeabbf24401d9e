"""Identity resolution, pure: grouping by own ids and claims, ambiguity, order independence, the evaluation."""

from __future__ import annotations

import random

from trialgraph.models.identity.evaluate import GoldPair, evaluate_identity
from trialgraph.models.identity.resolve import Evidence, RecordIdentity, resolve


def _record(record_id: str, own_id: str, registry: str, *claims: tuple[str, str]) -> RecordIdentity:
    return RecordIdentity(
        record_id, own_id, registry, tuple(Evidence(own_id, target, record_id, field) for target, field in claims)
    )


def test_the_same_study_from_two_sources_is_one_trial() -> None:
    records = [
        _record("ctgov:NCT00000001", "NCT00000001", "ClinicalTrials.gov"),
        _record("ictrp:NCT00000001", "NCT00000001", "ClinicalTrials.gov"),
    ]
    resolution = resolve(records)
    assert set(resolution.trial_of_record.values()) == {"NCT00000001"}


def test_member_state_records_share_their_eudract_trial() -> None:
    records = [
        _record("ictrp:EUCTR2018-004320-11-HU", "2018-004320-11", "EUCTR"),
        _record("ictrp:EUCTR2018-004320-11-GB", "2018-004320-11", "EUCTR"),
        _record("euctr:2018-004320-11-DE", "2018-004320-11", "EUCTR", ("NCT03924869", "a52_us_nct")),
    ]
    resolution = resolve(records)
    # named by a loaded record's own id; the claimed NCT id joins the trial without a CT.gov record loaded
    assert set(resolution.trial_of_record.values()) == {"2018-004320-11"}
    assert resolution.trial_of_id["NCT03924869"] == "2018-004320-11"
    [evidence] = resolution.evidence_of_trial["2018-004320-11"]
    assert (evidence.source, evidence.field) == ("euctr:2018-004320-11-DE", "a52_us_nct")


def test_a_loaded_ctgov_record_names_the_trial() -> None:
    records = [
        _record("euctr:2018-004320-11-DE", "2018-004320-11", "EUCTR", ("NCT03924869", "a52_us_nct")),
        _record("ctgov:NCT03924869", "NCT03924869", "ClinicalTrials.gov"),
    ]
    assert set(resolve(records).trial_of_record.values()) == {"NCT03924869"}


def test_claims_chain_across_registries() -> None:
    records = [
        _record("ctgov:NCT00000002", "NCT00000002", "ClinicalTrials.gov", ("2010-000001-01", "secondary_id")),
        _record("ctis:2023-500000-01-00", "2023-500000-01-00", "CTIS", ("2010-000001-01", "eudraCtCode")),
        _record("isrctn:ISRCTN00000003", "ISRCTN00000003", "ISRCTN"),
    ]
    resolution = resolve(records)
    assert resolution.trial_of_record["ctis:2023-500000-01-00"] == "NCT00000002"
    assert resolution.trial_of_record["isrctn:ISRCTN00000003"] == "ISRCTN00000003"
    assert resolution.trial_of_id["2010-000001-01"] == "NCT00000002"


def test_a_claim_that_would_join_two_registered_trials_is_reported_not_applied() -> None:
    records = [
        _record("ctgov:NCT00000004", "NCT00000004", "ClinicalTrials.gov"),
        _record("ctgov:NCT00000005", "NCT00000005", "ClinicalTrials.gov"),
        _record("ictrp:CTRI/2019/01/000001", "CTRI/2019/01/000001", "CTRI", ("NCT00000004", "SecondaryIDs"),
                ("NCT00000005", "SecondaryIDs")),
    ]  # fmt: skip
    resolution = resolve(records)
    assert resolution.trial_of_record["ctgov:NCT00000004"] != resolution.trial_of_record["ctgov:NCT00000005"]
    [ambiguity] = resolution.ambiguous
    assert ambiguity.evidence.source == "ictrp:CTRI/2019/01/000001"
    assert set(ambiguity.conflicting) == {"NCT00000004", "NCT00000005"}


def test_curated_pairs_join_and_are_order_independent() -> None:
    records = [_record(f"r:{i}", f"ISRCTN0000000{i}", "ISRCTN") for i in range(3)] + [
        _record("ctgov:NCT00000009", "NCT00000009", "ClinicalTrials.gov")
    ]
    # two pairs that compete: both would put an ISRCTN record with NCT00000009; only one ISRCTN record can join
    curated = [
        Evidence("ISRCTN00000001", "NCT00000009", "set-a", "registry"),
        Evidence("ISRCTN00000002", "NCT00000009", "set-b", "registry"),
    ]
    first = resolve(records, curated)
    for seed in range(5):
        shuffled_records, shuffled_pairs = records[:], curated[:]
        random.Random(seed).shuffle(shuffled_records)
        random.Random(seed).shuffle(shuffled_pairs)
        again = resolve(shuffled_records, shuffled_pairs)
        assert again.trial_of_record == first.trial_of_record
        assert [a.evidence for a in again.ambiguous] == [a.evidence for a in first.ambiguous]
    assert first.trial_of_record["r:1"] == "NCT00000009" and first.trial_of_record["r:0"] == "ISRCTN00000000"
    [ambiguity] = first.ambiguous  # the second pair would join two ISRCTN records
    assert ambiguity.evidence.source == "set-b"


def test_a_subregistry_transfer_joins_two_records_of_one_registry() -> None:
    records = [
        _record("ictrp:JPRN-UMIN000012345", "UMIN000012345", "JPRN"),
        RecordIdentity(
            "ictrp:JPRN-jRCTs031180001",
            "jRCTs031180001",
            "JPRN",
            (Evidence("jRCTs031180001", "UMIN000012345", "ictrp:JPRN-jRCTs031180001", "SecondaryIDs",
                      "subregistry_transfer"),),
        ),
    ]  # fmt: skip
    resolution = resolve(records)
    assert len(set(resolution.trial_of_record.values())) == 1 and resolution.ambiguous == []


def test_evaluation_closes_gold_transitively_and_counts_uncovered_pairs() -> None:
    gold = [GoldPair("A", "B", "g"), GoldPair("B", "C", "g"), GoldPair("D", "E", "g"), GoldPair("X", "Y", "g")]
    trial = {"A": "t1", "B": "t1", "C": "t1", "D": "t2", "E": "t3", "F": "t1"}
    result = evaluate_identity(gold, trial.get)
    assert (result.judged_pairs, result.uncovered_pairs) == (3, 1)
    assert (result.recall_tp, result.recall_fn) == (2, 1)  # D and E were kept apart
    assert (result.predicted_pairs, result.precision_tp, result.precision_fp) == (3, 3, 0)  # A-B, A-C, B-C
    wrong = {**trial, "D": "t1"}
    merged = evaluate_identity(gold, wrong.get)
    assert merged.precision_fp == 3  # D wrongly grouped with A, B and C
