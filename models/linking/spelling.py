"""British → American medical spelling, one rule table applied alike to vocabulary names and to the text linked.

MeSH spells the American way and lists few British variants, so "Diarrhoea", "Oedema" or "Haemorrhage" in a
registry's adverse-event terms named no concept. Rather than add British synonyms to the vocabulary (a guess at
every variant a writer might use), both sides are mapped to one spelling where they are compared: the exact
linker's keys, the TF-IDF linker's aliases and queries, and the gazetteer's token keys
(:func:`american_lowercase_tokens`). Because both sides go through the same rules, a rule that also fires on a
name that is American in both countries ("Haemophilus", a genus) still matches, and only a rule that merges two
different words could do harm. What matters is that a British and an American spelling of one word get one key,
not that the key is the American word: American compounds with a linking "o" ("gastroesophageal", "angioedema",
"phytoestrogen") hold the British digraph by accident and are respelled too ("gastresophageal"), so the British
compounds ("gastrooesophageal") take the optional "o" with them and meet them there. The negatives in the tests
(aerosol, toe, shoe, canoe, poet, does, Michael, Israel, exercise, promise, bruise, excise, arise) guard against
merging two words.

Each rule is a :class:`SpellingRule`: a regular expression over lower-cased text, its replacement, an example
and why it is safe. :data:`RULES` is the registry; :func:`american` runs them all in one pass (one alternation,
dispatched on the group that matched), so normalising the 260k aliases of MeSH costs well under a second.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

__all__ = ["RULES", "RULES_VERSION", "SpellingRule", "american", "american_lowercase_tokens"]


@dataclass(frozen=True, slots=True)
class SpellingRule:
    """One British → American spelling rule over lower-cased text.

    ``pattern`` may hold one group; ``replacement`` is the text that replaces the whole match, where ``{1}``
    stands for that group (so a rule can keep a stem it matched: "tumour" → "tumor")."""

    name: str
    pattern: str
    replacement: str
    example: str  # british → american, for readers and the tests
    why: str


# Stems before a British -ise/-isation that the American spelling writes -ize/-ization. Listed, not every -ise:
# exercise, promise, bruise, excise, incise, advise, surprise, expertise, arise... are -ise in both countries.
_ISE_STEMS = r"[a-z]{2,}(?:al|il|im|er|ar|or)|[a-z]{3,}n|random"

RULES: Final[tuple[SpellingRule, ...]] = (
    SpellingRule("haem", r"haem", "hem", "haemorrhage → hemorrhage",
                 "British 'haem' (blood) is 'hem' everywhere: haematoma, haemoglobin, antihaemophilic"),
    SpellingRule("aemia", r"(?<=[a-z])aem(?=i[ac])", "em", "anaemia → anemia",
                 "-aemia/-aemic (anaemia, leukaemia, ischaemic, hypoglycaemia); 'academic' has no 'aem'"),
    SpellingRule("oedema", r"o?oedem", "edem", "lymphoedema → lymphedema",
                 "oedema in any compound; 'o?' so that angiooedema meets angioedema (both → angiedema)"),
    SpellingRule("oesophag", r"o?oesophag", "esophag", "gastro-oesophageal → gastro-esophageal",
                 "the oesophagus; 'o?' so that gastrooesophageal meets gastroesophageal (both → gastresophageal)"),
    SpellingRule("oestr", r"o?oestr", "estr", "oestrogen → estrogen",
                 "oestrogen, oestradiol, oestrus; 'o?' so that phytooestrogen meets phytoestrogen"),
    SpellingRule("paed", r"paed", "ped", "paediatric → pediatric", "paediatric, orthopaedic, encyclopaedia"),
    SpellingRule("foet", r"foet", "fet", "foetal → fetal", "foetus, foetal; 'foe' alone has no 't'"),
    SpellingRule("rrhoea", r"rrhoe", "rrhe", "diarrhoea → diarrhea", "diarrhoea, gonorrhoea, amenorrhoea"),
    SpellingRule("pnoea", r"pnoe", "pne", "dyspnoea → dyspnea", "dyspnoea, apnoea, tachypnoea"),
    SpellingRule("anaes", r"anaes", "anes", "anaesthesia → anesthesia", "anaesthesia, anaesthetic, anaesthetist"),
    SpellingRule("aesth", r"aesth", "esth", "paraesthesia → paresthesia",
                 "hypoaesthesia, paraesthesia, aesthetic (MeSH: Esthetics)"),
    SpellingRule("melaena", r"\bmelaen", "melen", "melaena → melena", "melaena"),
    SpellingRule("aetiol", r"\baetiol", "etiol", "aetiology → etiology", "aetiology"),
    SpellingRule("gynaec", r"gynaec", "gynec", "gynaecology → gynecology", "gynaecology, gynaecological"),
    SpellingRule("caec", r"\bcaec", "cec", "caecum → cecum", "caecum, caecal"),
    SpellingRule("faec", r"\bfaec", "fec", "faecal → fecal", "faeces, faecal"),
    SpellingRule("caesar", r"\bcaesar", "cesar", "caesarean → cesarean", "caesarean section"),
    SpellingRule("coeliac", r"\bcoeliac", "celiac", "coeliac → celiac", "coeliac disease"),
    SpellingRule("sulph", r"sulph", "sulf", "sulphate → sulfate", "sulphate, sulphonylurea, sulphur"),
    SpellingRule("our", r"\b(tum|behavi|col|fav|hon|lab|hum|od|vap|rum|neighb)our", "{1}or", "tumour → tumor",
                 "listed stems only: four, hour, pour, tour, flour, contour, glamour keep their 'our'"),
    SpellingRule("ageing", r"\bageing\b", "aging", "ageing → aging", "the one common -eing word"),
    SpellingRule("fibre", r"\b(fib|lit|cent|millilit)re(?=s?\b)", "{1}er", "fibre → fiber",
                 "listed stems only, whole words: fibre, litre, centre"),
    SpellingRule("ise", rf"\b({_ISE_STEMS})is(?=e\b|ed\b|es\b|ing\b|ation)", "{1}iz", "randomised → randomized",
                 "-ise/-isation after listed stems only (see _ISE_STEMS): hospitalised, minimised, immunised"),
    SpellingRule("yse", r"(?<=[a-z]{2})lys(?=e\b|ed\b|ing\b)", "lyz", "analysed → analyzed",
                 "analyse, paralyse, dialyse; 'lyse', 'lysed' and the plural 'analyses' stay (American too)"),
)  # fmt: skip


def _compile(rules: tuple[SpellingRule, ...]) -> tuple[re.Pattern[str], dict[str, Callable[[re.Match[str]], str]]]:
    """One alternation of every rule (named ``r0``, ``r1``...), so a text is scanned once whatever the table's size."""
    parts, actions = [], {}
    for number, rule in enumerate(rules):
        group = f"r{number}"
        inner = re.compile(rule.pattern).groups
        parts.append(f"(?P<{group}>{rule.pattern})")
        actions[group] = _action(rule.replacement, group, inner)
    return re.compile("|".join(parts)), actions


def _action(replacement: str, group: str, inner: int) -> Callable[[re.Match[str]], str]:
    if not inner:
        return lambda _match: replacement

    def keep_stem(match: re.Match[str]) -> str:
        # the rule's own group is the one right after its named group in the combined pattern
        stem = match.group(match.re.groupindex[group] + 1)
        return replacement.replace("{1}", stem)

    return keep_stem


_PATTERN, _ACTIONS = _compile(RULES)

# Part of every method version that compares through these rules: a changed table re-links what it touched.
RULES_VERSION: Final = "en-us-1+" + hashlib.sha256(repr(RULES).encode()).hexdigest()[:8]


def american(text: str) -> str:
    """``text`` (lower-cased by the caller: the rules are written in lower case) with American spelling."""
    if not text:
        return text
    return _PATTERN.sub(lambda match: _ACTIONS[match.lastgroup or ""](match), text)


def american_lowercase_tokens(nlp: Any) -> None:
    """Make ``nlp``'s token ``LOWER`` key the American spelling, for lexemes made from now on and those made so far.

    Why the lexeme and not the text: spaCy's ``PhraseMatcher(attr="LOWER")`` compares exactly this key, for the
    gazetteer's patterns (the vocabulary's names) and for the text alike, while every offset and ``token.text``
    still point at what the writer wrote ("Diarrhoea" is found and reported as written).
    """
    from spacy.attrs import LOWER

    getters = nlp.vocab.lex_attr_getters
    plain = getters.get(LOWER, str.lower)
    getters[LOWER] = lambda text: american(plain(text))
    for lexeme in list(nlp.vocab):  # the few hundred made while loading (tokenizer exceptions)
        spelled = american(lexeme.lower_)
        if spelled != lexeme.lower_:
            lexeme.lower_ = spelled
