"""EU CTR "full text" download (``Summary`` / ``A. Protocol Information`` / ``E.1.1 ...: value``) -> field dicts.

One download holds one record per trial *and member state*; each starts at a line ``Summary``. Lines are
``CODE Label: value`` (``D.8.1 Is a Placebo used in this Trial? Yes`` uses ``?``); a value runs on over the
following lines until the next coded line. Translated fields repeat with a language suffix
(``E.1.1 Medical condition(s) being investigated (es): ...``) and get ctrdata's ``_es`` key, so the mapping
reads the English key and never a translation. Repeating blocks (sponsors, IMPs, placebos, MedDRA terms)
become lists of dicts under ctrdata's group keys (:mod:`trialgraph.loaders.euctr.keys`).

Downloads can hold the same member-state record twice (the register prints each NCA version it holds). The
later copy is kept and the earlier one is reported as ``Quarantined`` ("duplicate record in file"), so the
count of dropped copies is visible in the load's quarantine file rather than silently lost. Finding the later
copy needs a first pass over the file that reads only each record's identity lines; the second pass parses.
Both passes stream: memory holds one record's lines and one id per record.

A record is complete when the next ``Summary`` line opens another one. The last record of a file has no such
line, so it counts as complete only once it reached the format's closing section (``P. End of Trial``, last in
every record of the register's download) and a blank line after it, which the register writes after every
record, the last included. Otherwise it is ``Quarantined`` ("record cut at end of file"): a download cut
short gave its last record 81 of its 137 fields, and writing those would replace the complete record already
in the graph. A line without a line end is the file's last and was cut, so it is never read as a value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from trialgraph.errors import SourceError
from trialgraph.loaders.euctr.keys import SUMMARY_KEYS, field_key, group_of
from trialgraph.model.staged import Quarantined

__all__ = ["CUT_REASON", "DUPLICATE_REASON", "RECORD_START", "iter_text_records", "parse_record_lines"]

DUPLICATE_REASON = "duplicate record in file"
CUT_REASON = "record cut at end of file"

Fields = dict[str, Any]

RECORD_START = "Summary"
_CLOSING_SECTION = "P. End of Trial"
_CODE = r"[A-P]\.(?:IMP|\d+(?:\.\d+)*)?"
_KEY_LINE = re.compile(rf"^(?P<code>{_CODE}(?:\s(?:and|to)\s{_CODE})?)(?=[\s:]|$)[ \t]*(?P<rest>.*)$")
_LABEL_VALUE = re.compile(r"^(?P<label>.*?)(?:(?P<sep>[:?])(?:[ \t](?P<value>.*)|$))?$")
_LANGUAGE = re.compile(r"^(?P<label>.*?)\s\((?P<lang>[a-z]{2})\)$")
_SUMMARY_LINE = re.compile(r"^(?P<label>[^:]+):[ \t]?(?P<value>.*)$")
_LINK_ID = re.compile(r"/trial/(?P<eudract>\d{4}-\d{6}-\d{2})/(?P<state>[A-Z0-9]{2,3})/?\s*$")

# Lines that open one item of a repeating block -> the block's key.
_GROUP_STARTS: dict[re.Pattern[str], str] = {
    re.compile(r"^Sponsor \d+\s*$"): "b1_sponsor",
    re.compile(r"^D\.IMP:\s*\d+\s*$"): "dimp",
    re.compile(r"^D\.8 Placebo:\s*\d+\s*$"): "d8_placebo",
    re.compile(r"^MedDRA Classification\s*$"): "e12_meddra_classification",
}
# Blocks whose items are not numbered in the text: a key seen again opens the next item.
_ITEM_ON_REPEAT = frozenset({"e12_meddra_classification"})


def iter_text_records(path: Path) -> Iterator[tuple[Fields | Quarantined, str]]:
    """(field dict or rejection, origin ``path:line``) for each record of one download.

    Rejected: the earlier copy of a duplicated record, and a last record the file ends inside. A cut copy
    whose register id was read still supersedes an earlier one: loading the earlier copy would overwrite the
    later one already in the graph with older data, so neither loads.

    Raises:
        SourceError: the file cannot be read or is not UTF-8 text.
    """
    last_copy: dict[str, int] = {}
    cut_at = 0
    for chunk in _iter_chunks(path):
        if chunk.cut is not None:
            cut_at = chunk.start
            if not _record_id(chunk.lines):
                continue
        last_copy[_identity(chunk.lines)] = chunk.start
    for chunk in _iter_chunks(path):
        origin = f"{path}:{chunk.start}"
        record_id = _record_id(chunk.lines)
        if chunk.cut is not None:
            reason = f"{CUT_REASON}: {chunk.cut}"
            yield Quarantined(origin=origin, reason=reason, record_id=record_id, truncated=True), origin
            continue
        kept = last_copy[_identity(chunk.lines)]
        if kept != chunk.start:
            fate = "is cut at end of file, so neither is loaded" if kept == cut_at else "is kept"
            reason = f"{DUPLICATE_REASON} (the later copy at line {kept} {fate})"
            yield Quarantined(origin=origin, reason=reason, record_id=record_id), origin
            continue
        yield parse_record_lines(chunk.lines), origin


def parse_record_lines(lines: list[str]) -> Fields:
    """One record's lines -> ctrdata-shaped dict (``_id`` from the record's register link when present)."""
    fields: Fields = {}
    state = _State(fields)
    in_summary = True
    for line in lines:
        if in_summary and state.summary(line):
            continue
        group = _group_start(line)
        if group is not None:
            state.open_group(group)
            continue
        match = _KEY_LINE.match(line)
        if match and _is_key(match):
            in_summary = False
            state.key_line(match.group("code"), match.group("rest"))
        else:
            state.continue_value(line)
    record_id = _record_id(lines)
    if record_id:
        fields["_id"] = record_id
    return _strip(fields)


class _State:
    """Where the next value goes: the top level or the open block's current item."""

    def __init__(self, fields: Fields) -> None:
        self.fields = fields
        self.group: str | None = None
        self.target: Fields = fields
        self.last: str | None = None

    def summary(self, line: str) -> bool:
        match = _SUMMARY_LINE.match(line)
        key = SUMMARY_KEYS.get(match.group("label").strip()) if match else None
        if match is None or key is None:
            return False
        self.fields[key] = match.group("value")
        self.target, self.last = self.fields, key
        return True

    def open_group(self, group: str) -> None:
        self.group = group
        self.target = {}
        self.fields.setdefault(group, []).append(self.target)
        self.last = None

    def key_line(self, code: str, rest: str) -> None:
        parts = _LABEL_VALUE.match(rest)
        assert parts is not None  # the pattern matches any string
        label, value = parts.group("label").strip(), parts.group("value") or ""
        language = _LANGUAGE.match(label)
        key = field_key(code, language.group("label") if language else label, language and language.group("lang"))
        self.group = group_of(code, self.group)
        if self.group is None:
            self.target = self.fields
        elif key in self.target and self.group in _ITEM_ON_REPEAT:
            self.open_group(self.group)
        if key in self.target:  # a field printed twice: keep every value rather than lose one
            self.target[key] = f"{self.target[key]}\n{value}"
        else:
            self.target[key] = value
        self.last = key

    def continue_value(self, line: str) -> None:
        if self.last is not None:
            self.target[self.last] = f"{self.target[self.last]}\n{line}"


def _is_key(match: re.Match[str]) -> bool:
    """A bare section code ("N.") must be followed by a capitalised label: "E. coli" is text, not a key."""
    code, rest = match.group("code"), match.group("rest")
    if code[-1] != ".":
        return True
    return rest[:1].isupper()


def _group_start(line: str) -> str | None:
    return next((group for pattern, group in _GROUP_STARTS.items() if pattern.match(line)), None)


def _strip(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list):
        return [_strip(item) for item in value]
    return {key: _strip(item) for key, item in value.items()}


def _record_id(lines: list[str]) -> str | None:
    """``2021-002179-21-FR`` from the record's ``Link:`` line, the register's own name for the record."""
    for line in lines:
        if line.startswith("Link:"):
            match = _LINK_ID.search(line)
            return f"{match.group('eudract')}-{match.group('state')}" if match else None
    return None


def _identity(lines: list[str]) -> str:
    """What makes two chunks the same record: the register id, else EudraCT number + member state lines."""
    record_id = _record_id(lines)
    if record_id:
        return record_id
    wanted = ("EudraCT Number:", "A.2 ", "National Competent Authority:", "A.1 ")
    return "|".join(line.strip() for line in lines if line.startswith(wanted))


class _Chunk(NamedTuple):
    start: int  # line number of its ``Summary`` line
    lines: list[str]  # its lines after ``Summary``, line ends removed; a cut last line is left out
    cut: str | None  # why it may be incomplete (the file ends inside it), or None


class _Closing:
    """Whether the record read so far ended as the register ends one: its closing section, then a blank line."""

    def __init__(self) -> None:
        self.section_seen = False
        self.closed = False

    def see(self, line: str) -> None:
        stripped = line.strip()
        self.section_seen = self.section_seen or stripped == _CLOSING_SECTION
        self.closed = self.section_seen and not stripped

    def problem(self) -> str | None:
        if self.closed:
            return None
        if self.section_seen:
            return f"no blank line after its '{_CLOSING_SECTION}' section"
        return f"it ends before its closing '{_CLOSING_SECTION}' section"


def _iter_chunks(path: Path) -> Iterator[_Chunk]:
    """Each record of the file with its first line number; the preamble is skipped.

    A record followed by another ``Summary`` line is complete; the last one is checked by :class:`_Closing`.
    A final line without a line end was cut: the record it falls in is cut, and after a closed last record
    it is the start of one more record, reported as a cut record of its own. Lines are decoded one by one,
    so a cut inside a multi-byte character is a cut line, while bad UTF-8 in a whole line is an unreadable
    file.
    """
    try:
        with path.open("rb") as handle:
            start, lines, closing = 0, [], _Closing()
            for number, raw in enumerate(handle, start=1):
                if not raw.endswith(b"\n"):
                    yield from _cut_chunks(start, lines, closing, number, raw.decode("utf-8", "replace"))
                    return
                line = raw.decode("utf-8").rstrip("\r\n")
                if line.strip() == RECORD_START:
                    if start:
                        yield _Chunk(start, lines, None)
                    start, lines, closing = number, [], _Closing()
                elif start:
                    lines.append(line)
                    closing.see(line)
            if start:
                yield _Chunk(start, lines, closing.problem())
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"cannot read EU CTR text download {path}: {exc}") from exc


def _cut_chunks(start: int, lines: list[str], closing: _Closing, number: int, fragment: str) -> Iterator[_Chunk]:
    """The file ends inside line ``number``: the record it falls in (if any) is cut."""
    inside = f"the file ends inside its line {number}"
    if not start:  # still in the preamble: no record began
        return
    if not closing.closed:
        yield _Chunk(start, lines, inside)
        return
    yield _Chunk(start, lines, None)
    if fragment.strip():
        yield _Chunk(number, [], f"{inside}, after the last complete record")
