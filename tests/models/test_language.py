"""The language of a text (``trialgraph.models.linking.language``): real py3langid on real registry sentences."""

from __future__ import annotations

import pytest

from trialgraph.models.linking import language
from trialgraph.models.linking.language import LANGUAGE_RULES, MAX_CHARACTERS, Language, detect

# Real registry text: the French items are an EU CTR record's criteria as WHO ICTRP exported them
# (EUCTR2020-001271-33-FR), the Spanish one an EU CTR protocol's objective (2022-002568-62, ES), the Dutch one a
# CTIS trial's objective (shared data, registries/). The English one is ISRCTN-style prose written for this test,
# and so is the German one: no German registry text is in the shared data.
SENTENCES = {
    "en": "Adults aged 18 years or older with type 2 diabetes who have taken metformin for at least three months",
    "de": "Patienten mit Diabetes mellitus Typ 2, die seit mindestens drei Monaten mit Metformin behandelt werden",
    "fr": "- Défaillance d’organe nécessitant une admission en réanimation ou unité de soins-continus",
    "es": "El objetivo principal del estudio es evaluar si el tratamiento con masitinib mostrará una mejora "
    "significativa de ADCS-ADL y ADAS-Cog frente a placebo en los pacientes del estudio.",
    "nl": "Secundaire eindpunten zijn de mate van spasticiteit, de tevredenheid van de patiënt en het niveau van "
    "functioneren en activiteiten van de patiënt.",
}


@pytest.mark.parametrize("code", sorted(SENTENCES))
def test_a_real_sentence_gets_its_language_reliably(code: str) -> None:
    found = detect(SENTENCES[code])
    assert found.code == code and found.reliable and found.probability > 0.99
    assert found.not_english == (code != "en")


def test_a_chinese_sentence_counts_its_characters_as_words() -> None:
    found = detect("年龄18至65岁的2型糖尿病患者，接受二甲双胍治疗至少三个月，并签署知情同意书。")
    assert (found.code, found.reliable, found.not_english) == ("zh", True, True)


@pytest.mark.parametrize("text", ["Hypertension", "Heart failure", "Diabetes mellitus", "5. Psoriasis.", "", None])
def test_a_short_string_is_undetermined_where_the_model_alone_would_guess(text: str | None) -> None:
    assert detect(text) == Language("und", 0.0, False)
    if text and text != "5. Psoriasis.":  # the model on its own calls these German, Malay and Hungarian
        assert language._model().classify(text)[0] != "en"


def test_an_english_item_the_model_reads_as_french_is_not_called_reliably_french() -> None:
    # a real ChiCTR item (ICTRP export): long enough to judge, French by a small margin, so not reliable
    text = "1. Female patients during pregnancy;"
    assert language._model().classify(text)[0] == "fr"
    found = detect(text)
    assert found.code == "fr" and found.probability > 0.99 and not found.reliable and not found.not_english


def test_a_bilingual_item_goes_by_its_stronger_language_and_a_huge_text_by_its_beginning() -> None:
    # a real EU CTR item (EUCTR2020-001385-11-ES, ICTRP export) that says it in English, then in Spanish
    assert detect("• Active hepatitis B infection. Infección activa por virus de la hepatitis B").code == "es"
    huge = " ".join([SENTENCES["fr"]] * 30 + [SENTENCES["en"]] * 5000)  # French for its first 2,000 characters
    assert len(huge) > 100 * MAX_CHARACTERS and detect(huge).code == "fr"
    assert detect(huge[MAX_CHARACTERS:]).code == "en"


def test_the_rules_version_names_the_model_version() -> None:
    assert LANGUAGE_RULES.endswith("+py3langid-0.2.2") and "w4l25r20" in LANGUAGE_RULES
