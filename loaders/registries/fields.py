"""Field-value helpers shared by the registry mappings that read the nested-dict tree (ISRCTN, ANZCTR).

Registry exports fill fields with markup-laden text and placeholders ("Nil known", "N/A"); every mapping
must clean a value, flatten it for titles and names, and drop repeats the same way, or the same trial
registered twice would be spelled two ways. The registry-specific parts (date formats, vocabularies)
stay in each mapping.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from trialgraph.loaders.registries import normalize as norm
from trialgraph.loaders.registries.tree import text
from trialgraph.model.text import clean_registry_text

__all__ = ["clean_field", "first_line", "single_line", "unique_values"]


def clean_field(value: Any) -> str | None:
    """Cleaned text (``<br>`` → newline, entities decoded); None for empty values and placeholders."""
    cleaned = clean_registry_text(text(value))
    return None if cleaned is None or norm.is_placeholder(cleaned) else cleaned


def single_line(value: Any) -> str | None:
    """Cleaned text on one line, for titles and names (a ``<br>`` inside a title is not a list)."""
    cleaned = clean_field(value)
    return " ".join(cleaned.split()) if cleaned else None


def unique_values(values: Iterable[str | None]) -> tuple[str, ...]:
    """The non-empty values, first occurrence kept, in order."""
    return tuple(dict.fromkeys(v for v in values if v))


def first_line(description: str | None, limit: int = 200) -> str | None:
    """A name for an intervention the registry did not name: the first line of its description, shortened."""
    if not description:
        return None
    line = description.split("\n", 1)[0].strip()
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
