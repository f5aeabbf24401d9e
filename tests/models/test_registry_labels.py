"""Registry form labels read off condition strings (real strings of the shared ICTRP export)."""

from __future__ import annotations

import pytest

from trialgraph.models.linking.registry_labels import condition_text


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Health Condition 1: G470- Insomnia", "Insomnia"),
        ("Health Condition 1: C509- Malignant neoplasm of breast of unspecified site",
         "Malignant neoplasm of breast of unspecified site"),
        ("Health Condition 1: J96-J99- Other diseases of the respiratory system",
         "Other diseases of the respiratory system"),
        ("Health Condition 1: Q214- Aortopulmonary septal defectHealth Condition 2: Q211- Atrial septal defect",
         "Aortopulmonary septal defect"),
        ("Therapeutic area: Diseases [C] - Cancer [C04]", "Cancer"),
        ("Term: Chemoprophylaxis NOS", "Chemoprophylaxis"),
        ("Term: Non-small cell lung cancerSystem Organ Class: 10029104 - Neoplasms benign, malignant and unspecified",
         "Non-small cell lung cancer"),
        ("Health Condition 1: E1165- Type 2 diabetes", "Type 2 diabetes"),  # a four-digit code
        ("Health Condition 1: O- Medical and Surgical", "Medical and Surgical"),
        ("Health Condition 1: Asthma", "Asthma"),  # no code
        ("Therapeutic area: Diseases [C] - Chemically-Induced Disorders [C25]", "Chemically-Induced Disorders"),
        ("Therapeutic area: Diseases [C] - Cancer [C04] Therapeutic area: Diseases [C] - Immune System Diseases [C20]",
         "Cancer"),  # the first of two
        ("Term: SARS\nLevel: PT", "SARS"),  # a line break is a space
        # no label, or a label that introduces no name: as written
        ("Therapeutic area: Not possible to specify", "Therapeutic area: Not possible to specify"),
        ("Classification code 10008434", "Classification code 10008434"),
        ("Long-term care: Health Condition of residents", "Long-term care: Health Condition of residents"),
        ("COVID-19", "COVID-19"),
    ],
)  # fmt: skip
def test_condition_text_reads_off_the_label(text: str, name: str) -> None:
    assert condition_text(text) == name


def test_a_pathological_long_string_is_read_in_bounded_time() -> None:
    """The labels are read from a string's first 2,000 characters: a 100 kB run of spaces cannot stall linking."""
    import time

    for label in ("Health Condition 1: x", "Term: x", "Therapeutic area: Diseases [C] - x"):
        text = label + " " * 100_000 + "y"
        started = time.perf_counter()
        condition_text(text)
        assert time.perf_counter() - started < 1.0
