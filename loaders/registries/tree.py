"""Nested-dict view of registry records, the one shape the field mappings read (ISRCTN, ANZCTR).

ctrdata stores the ISRCTN API XML as JSON with element names kept: an element with children becomes an
object, repeated children become a list, a leaf becomes its text. Turning an XML element into the same
shape lets one mapping serve both formats, so the JSON and the XML of one trial cannot drift apart.
Attributes (which ctrdata dropped) are kept as ``@name`` keys; a leaf with attributes becomes
``{"#text": ..., "@name": ...}``, and :func:`text` reads either form.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lxml import etree

__all__ = ["as_list", "attribute", "element_to_dict", "get", "text", "texts"]


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def element_to_dict(element: etree._Element) -> Any:
    """The ctrdata-style value of ``element``: dict for children, list for repeats, text for leaves."""
    children = [child for child in element if isinstance(child.tag, str)]
    attributes = {f"@{_local(name)}": value for name, value in element.attrib.items()}
    if not children:
        value = element.text or ""
        return {"#text": value, **attributes} if attributes else value
    result: dict[str, Any] = dict(attributes)
    repeated: set[str] = set()
    for child in children:
        name = _local(child.tag)
        value = element_to_dict(child)
        if name in repeated:
            result[name].append(value)
        elif name in result:
            result[name] = [result[name], value]
            repeated.add(name)
        else:
            result[name] = value
    return result


def get(value: Any, path: str) -> Any:
    """The value at a dotted ``path`` ("participants.recruitmentCountries.country"), or None."""
    for key in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def as_list(value: Any) -> list[Any]:
    """A repeatable element as a list: ctrdata writes one occurrence as a scalar, several as a list."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def text(value: Any) -> str | None:
    """The text of a leaf (plain string or ``{"#text": ...}``); None for anything else."""
    if isinstance(value, Mapping):
        value = value.get("#text")
    if isinstance(value, bool):  # a JSON true/false is not text
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    return value if isinstance(value, str) else None


def texts(value: Any) -> list[str]:
    """The texts of a repeatable leaf element, in order, without empty ones."""
    return [t for t in (text(v) for v in as_list(value)) if t and t.strip()]


def attribute(value: Any, name: str) -> str | None:
    """An XML attribute kept on a converted element (``@name``); None when absent (always, for ctrdata JSON)."""
    found = value.get(f"@{name}") if isinstance(value, Mapping) else None
    return found if isinstance(found, str) else None
