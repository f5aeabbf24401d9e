"""The language of a text, so that the linker reads English and leaves other languages alone.

Why: the gazetteer and the TF-IDF index hold English names. Registries other than CT.gov hold text in other
languages (an EU CTR record from France lists its criteria in French), and their words that happen to match an
English name ("Personne", "sous", "Diagnostic porté") become links to concepts the text never names. A text found
to be reliably in another language is therefore not linked; its node records the language instead.

The detector is py3langid (a maintained fork of langid.py, Lui & Baldwin 2012: a naive Bayes model over byte
n-grams, 97 languages, BSD licence, loaded once). Two rules of our own decide what its answer is worth:

* **Too short to judge**: under :data:`MIN_WORDS` words of two or more letters or :data:`MIN_LETTERS` letters, the
  answer is ``und`` (undetermined). A short string gives the model almost nothing to count: "Hypertension" comes
  out as German, "Heart failure" as Malay, "Diabetes mellitus" as Hungarian. Four words and 25 letters make a
  short clause ("Femme enceinte, allaitante ou parturiente"); the minimum was fixed before any measurement. In
  scripts written without spaces (Chinese, Japanese, Thai...) each character counts as a word.
* **Reliable**: the top language must beat English by at least :data:`MIN_LOG_RATIO` in log-likelihood (natural
  logarithm: English at least e^20, about 5 × 10^8, times less likely); when English is the top language, it must
  beat the runner-up by as much. The model's normalised probability is not enough on its own: English eligibility
  items are short and full of Latin and Greek drug and disease names. Among the 9,974 distinct criteria and
  summaries of the 882 shared non-CT.gov records, 39 long enough had a non-English top language at probability
  ≥ 0.99, and 14 of those were English ("1. Female patients during pregnancy;": French at 0.995). A log ratio of
  20 against English keeps 23: 21 French items of two EU CTR records from France, one EU CTR item from Spain that
  says it in English and then in Spanish, and one English list of drug names ("glipizide, glyburide,
  gliclazide...": Italian); three short French items fall below it and are linked as before. The threshold was
  chosen on that sample (5, 10, 15, 20 and 30 compared).

Only the first :data:`MAX_CHARACTERS` characters are read: they say what the language is, they bound the cost (the
model counts n-grams in a Python loop: about 0.4 ms for an eligibility item on this machine's CPU, 0.8 ms at the
limit, against tens of ms for spaCy and the linker) and keep every count inside the model's 16-bit features.

Pure: no graph, no files beyond the model shipped inside the py3langid wheel.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

__all__ = [
    "LANGUAGE_RULES",
    "MAX_CHARACTERS",
    "MIN_LETTERS",
    "MIN_LOG_RATIO",
    "MIN_WORDS",
    "UNDETERMINED",
    "Language",
    "detect",
]

MIN_WORDS = 4
MIN_LETTERS = 25
MIN_LOG_RATIO = 20.0
MAX_CHARACTERS = 2000
UNDETERMINED = "und"  # ISO 639-2's code for "undetermined"


def _py3langid_version() -> str:
    try:
        return version("py3langid")
    except PackageNotFoundError:  # the [link] extra is not installed: detect() says so when called
        return "absent"


# What decided a text's language: part of the free-text linker's method version, so new rules or a new model
# re-link every text they might judge differently.
LANGUAGE_RULES = f"lang-w{MIN_WORDS}l{MIN_LETTERS}r{MIN_LOG_RATIO:g}-1+py3langid-{_py3langid_version()}"

# Scripts written without spaces between words: each character counts as a word.
_UNSPACED = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD = re.compile(rf"[{_UNSPACED}]|[^\W\d_{_UNSPACED}]{{2,}}")


@dataclass(frozen=True, slots=True)
class Language:
    """A text's language: an ISO 639-1 code (or ``und``), the model's normalised probability for it (over its 97
    languages; 0.0 when undetermined), and whether the rules above call it reliable."""

    code: str
    probability: float
    reliable: bool

    @property
    def not_english(self) -> bool:
        """Reliably another language than English: what the linker leaves alone."""
        return self.reliable and self.code not in ("en", UNDETERMINED)


@functools.cache
def _model() -> Any:
    """py3langid's identifier over its shipped model, loaded on first use (about 0.1 s) and kept."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=False)


def _long_enough(text: str) -> bool:
    return len(_WORD.findall(text)) >= MIN_WORDS and sum(ch.isalpha() for ch in text) >= MIN_LETTERS


def detect(text: str | None) -> Language:
    """The language of ``text`` (see the module docstring for the rules); ``und`` when too short to judge."""
    text = (text or "")[:MAX_CHARACTERS]
    if not _long_enough(text):
        return Language(UNDETERMINED, 0.0, False)
    import numpy as np

    model = _model()
    scores = model.nb_classprobs(model.instance2fv(text))  # log-likelihood of the text in each language
    classes = model.nb_classes
    top = int(np.argmax(scores))
    with np.errstate(over="ignore"):
        probability = float(1.0 / np.exp(scores - scores[top]).sum())
    code = str(classes[top])
    # what the top language must beat: English, or for English the runner-up
    rival = float(np.max(np.delete(scores, top))) if code == "en" else float(scores[classes.index("en")])
    return Language(code, probability, float(scores[top]) - rival >= MIN_LOG_RATIO)
