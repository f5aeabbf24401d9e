"""Raw readers for ClinicalTrials.gov inputs: turn paths into undecoded-study units, one per study.

This module owns *getting bytes off disk and splitting them into one unit per study*, for every file
shape a user is likely to hold: single-study API v2 JSON files, the website's JSON array export, saved
``/api/v2/studies`` pages, JSONL (optionally gzipped), legacy ``<clinical_study>`` XML files, and zips
of either (the AllPublicXML layout and flat zips). It does **not** look inside a study: the v2 parser
validates the decoded JSON value and the XML parser parses the bytes.

Every problem with the *content* of an input comes out as a :class:`Rejected` item with a one-line
reason, so that one bad line or zip member never stops a bulk load; only a path that does not exist
raises :class:`~trialgraph.errors.SourceError`. Large inputs are streamed: JSONL line by line, zips
member by member.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Literal

import orjson

from trialgraph.loaders.files import (
    GZIP_ERRORS,
    DecompressionBomb,
    DecompressionCaps,
    iter_inputs,
    json_ends_early,
    no_records_entry,
    one_line,
    open_binary,
    read_whole,
)
from trialgraph.model.staged import Quarantined

__all__ = [
    "SUPPORTED_SUFFIXES",
    "RawFormat",
    "RawJson",
    "RawStudy",
    "Rejected",
    "decode_json_unit",
    "expected_id_from_name",
    "iter_raw",
]

RawFormat = Literal["ctgov-v2", "ctgov-xml"]

SUPPORTED_SUFFIXES: tuple[str, ...] = (".jsonl.gz", ".json.gz", ".jsonl", ".json", ".xml", ".zip")
"""The file kinds read (``_READERS``); the longest matching suffix decides how a file is read."""

_NCT_IN_NAME = re.compile(r"NCT\d{8}(?!\d)")
_UTF8_BOM = b"\xef\xbb\xbf"
_SNIPPET_CHARS = 40


@dataclass(frozen=True, slots=True)
class RawStudy:
    """One study's undecoded unit, plus where it came from so that rejects and quarantines can name it."""

    origin: str  # "/p/NCT1.json", "/p/s.jsonl.gz:17", "/p/All.zip!NCT0000xxxx/NCT00000102.xml", "/p/export.json[3]"
    format: RawFormat
    payload: Any  # v2: the decoded JSON value (any type; the parser validates it). xml: the raw bytes.
    expected_id: str | None  # NCT id named by the file/member name; None for JSONL lines and array elements


@dataclass(frozen=True, slots=True)
class RawJson:
    """One JSON text not decoded yet: a JSONL line, or a whole file (a study, an array export, an API page).

    Why: a bulk load parses in worker processes, and handing them bytes is far cheaper than pickling
    the decoded value. :func:`decode_json_unit` turns it into the same items ``iter_raw`` yields.
    """

    origin: str
    data: bytes
    name: str | None  # the file or member name (for the expected NCT id); None for a JSONL line
    cut: bool = False  # a JSONL file's last line, without a line end: if it is not JSON, the file was cut in it


Rejected = Quarantined
"""An input unit that could not be split out or decoded; ``reason`` is one line for the reject log."""


RawItem = RawStudy | Rejected
DeferredItem = RawStudy | RawJson | Rejected


def expected_id_from_name(name: str) -> str | None:
    """The last ``NCT`` + 8 digits in the base name, the id a file *claims* to hold (checked by the loader)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    found = _NCT_IN_NAME.findall(base)
    return found[-1] if found else None


def iter_raw(paths: Iterable[Path], *, defer_json: bool = False) -> Iterator[DeferredItem]:
    """Yield one item per study unit found in ``paths`` (files or directories), in a deterministic order.

    Directories are walked recursively in sorted order. Notes and manifests lying beside the data
    (``.md``, ``.csv``, ``.tsv``, ``.txt``) are ignored; any other unsupported file (an ``.html`` error
    page saved among the studies, say) is rejected so that nothing disappears without a trace.

    Args:
        defer_json: yield JSON texts as :class:`RawJson` for the consumer to decode (parallel parsing);
            otherwise they are decoded here and come out as :class:`RawStudy` or :class:`Rejected`.

    Raises:
        SourceError: a path does not exist (a typo in a path should stop the run, not load nothing).
    """
    items = _iter_paths(paths)
    if defer_json:
        yield from items
    else:
        for item in items:
            if isinstance(item, RawJson):
                yield from decode_json_unit(item)
            else:
                yield item


def decode_json_unit(item: RawJson) -> Iterator[RawItem]:
    """Decode a deferred JSON text into its studies (or a one-line reject)."""
    if item.name is None:
        value = _decode_json(item.origin, item.data, empty_reason="empty line")
        if isinstance(value, Rejected) and item.cut:  # a download that stopped inside its last line
            value = Rejected(item.origin, f"line cut at end of file (no line end): {value.reason}", truncated=True)
        yield value if isinstance(value, Rejected) else RawStudy(item.origin, "ctgov-v2", value, None)
    else:
        yield from _json_units(item.origin, item.name, item.data)


def _iter_paths(paths: Iterable[Path]) -> Iterator[DeferredItem]:
    # check_blank=False: these readers refuse a blank file themselves, saying more (a JSONL file's blank lines)
    for item in iter_inputs(paths, _READERS, in_folders="data", check_blank=False):
        if isinstance(item, Rejected):
            yield item
            continue
        path, read = item
        try:
            yield from read(path)
        except OSError as exc:  # unreadable file (permissions, I/O error): skip it, keep loading the rest
            yield Rejected(str(path), f"cannot read file: {one_line(exc)}")


_LEGACY_ROOT_START = b"<clinical_study"
_LEGACY_ROOT_END = b"</clinical_study>"


def _whole_file(path: Path, *, is_xml: bool) -> Iterator[DeferredItem]:
    """One JSON or XML file (a study, an array export, an API page), read whole; gunzipped if it is gzip."""
    origin = str(path)
    try:
        with open_binary(path) as handle:
            data = read_whole(handle, compressed_size=path.stat().st_size, what=path.name)
    except DecompressionBomb as exc:  # the file, not a record, is refused: the load is partial (exit 2)
        yield Rejected(origin, one_line(exc), whole_file=True)
        return
    except GZIP_ERRORS as exc:
        yield Rejected(origin, f"truncated or not a gzip file: {one_line(exc)}", truncated=True)
        return
    if not data.removeprefix(_UTF8_BOM).strip():  # whitespace only, or a gzip of nothing: the file is bad
        yield Rejected(origin, "empty file", whole_file=True)
        return
    yield _xml_unit(origin, path.name, data) if is_xml else RawJson(origin, data, path.name)


def _xml_unit(origin: str, name: str, data: bytes) -> RawItem:
    """XML stays bytes: the XML parser needs them to honour the document's own encoding declaration.

    A legacy study that opens ``<clinical_study`` but does not end with its end tag is a download that
    stopped: it is rejected here as ``truncated`` (the load is ``partial``), not as malformed XML.
    """
    if not data.strip():
        return Rejected(origin, "empty file")
    if _legacy_cut(data):
        return Rejected(origin, "study cut at end of file: no closing </clinical_study>", truncated=True)
    return RawStudy(origin, "ctgov-xml", data, expected_id_from_name(name))


def _legacy_cut(data: bytes) -> bool:
    """Whether a legacy study opens its root element but the file stops before the root's end tag."""
    start = data.find(_LEGACY_ROOT_START, 0, 4096)
    if start < 0:
        return False  # not a legacy study: the parser says what it is
    tag_end = data.find(b">", start)
    if tag_end < 0:
        return True  # cut inside the root's start tag
    if data[tag_end - 1 : tag_end] == b"/":
        return False  # an empty root, ``<clinical_study/>``: whole (the parser rejects it for its content)
    return not data.rstrip().endswith(_LEGACY_ROOT_END)


def _json_units(origin: str, name: str, data: bytes) -> Iterator[RawItem]:
    """Split one whole-file JSON document: a study, an array export, or an API ``studies`` page."""
    value_or_reject = _decode_json(origin, data, empty_reason="empty file")
    if isinstance(value_or_reject, Rejected):
        if value_or_reject.reason.startswith(("invalid JSON", "invalid UTF-8")) and _json_cut(data):
            # a download that stopped before the value closed: the reason already says "unexpected end of data"
            value_or_reject = Rejected(origin, value_or_reject.reason, truncated=True)
        yield value_or_reject
        return
    value = value_or_reject
    if isinstance(value, list):  # the website's "Download > JSON" export
        if not value:  # parses, but holds no study: refused whole, never 0 records in silence
            yield no_records_entry(origin, "empty JSON array (no study)")
        for index, element in enumerate(value):
            yield RawStudy(f"{origin}[{index}]", "ctgov-v2", element, None)
    elif isinstance(value, dict) and isinstance(value.get("studies"), list):  # a saved /api/v2/studies page
        if not value["studies"]:
            yield no_records_entry(origin, 'empty "studies" list (no study)')
        for index, element in enumerate(value["studies"]):
            yield RawStudy(f"{origin}:studies[{index}]", "ctgov-v2", element, None)
    else:
        yield RawStudy(origin, "ctgov-v2", value, expected_id_from_name(name))


def _decode_json(origin: str, data: bytes, *, empty_reason: str) -> Any:
    """Decode one JSON text, or return a :class:`Rejected` saying in one line why it is not JSON."""
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    if not data.strip():
        return Rejected(origin, empty_reason)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Rejected(origin, f"invalid UTF-8 at byte {exc.start}")
    stripped = text.lstrip()
    if stripped and stripped[0] not in '{["-0123456789tfn':
        return Rejected(origin, f"not JSON: starts with {_snippet(stripped)}")
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        return Rejected(origin, f"invalid JSON: {one_line(exc)}")


def _json_cut(data: bytes) -> bool:
    """Whether a whole JSON file that failed to decode stops before its value closes (a cut download)."""
    data = data.removeprefix(_UTF8_BOM)
    try:
        orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        return json_ends_early(data, exc)
    return False


def _snippet(text: str) -> str:
    """The start of a non-JSON body, e.g. ``<!DOCTYPE html>``, to tell an HTML error page at a glance."""
    first_line = text.splitlines()[0] if text else ""
    if first_line.startswith("<") and ">" in first_line:
        first_line = first_line[: first_line.index(">") + 1]
    if len(first_line) > _SNIPPET_CHARS:
        first_line = first_line[:_SNIPPET_CHARS] + "..."
    return first_line


def _iter_jsonl(path: Path) -> Iterator[DeferredItem]:
    """One item per line, streamed, so a multi-GB export never sits in memory.

    A gzip stream that breaks off rejects the line it broke in as ``truncated`` (the lines before it are
    whole and load); so does a last line without a line end that is not JSON (a plain file cut mid-line).
    A file with no line that holds anything (no lines, or blank ones only) is refused as a whole file, like a
    zero-byte one: blank lines are held back until a line with content shows the file is not empty.
    """
    origin = str(path)
    line_no = 0
    held: list[RawJson] | None = []  # blank lines before the first line with content; None once one is seen
    try:
        with open_binary(path) as handle:
            for line_no, line in enumerate(handle, start=1):
                line_origin = f"{origin}:{line_no}"
                if line_no == 1 and line.startswith(_UTF8_BOM):
                    line = line[len(_UTF8_BOM) :]
                item = RawJson(line_origin, line.rstrip(b"\r\n"), None, cut=not line.endswith((b"\n", b"\r")))
                if held is not None:
                    if not line.strip():
                        held.append(item)
                        continue
                    yield from held
                    held = None
                yield item
    except DecompressionBomb as exc:  # nothing after the bomb is read: the file is refused, the load is partial
        yield from held or ()
        yield Rejected(origin, one_line(exc), whole_file=True)
        return
    except GZIP_ERRORS as exc:
        yield from held or ()
        where = f"{origin}:{line_no + 1}" if line_no else origin
        yield Rejected(where, f"truncated or not a gzip file: {one_line(exc)}", truncated=True)
        return
    if held is not None:  # not one line with content
        blank = f" ({line_no} blank line{'s' if line_no != 1 else ''})" if line_no else ""
        yield Rejected(origin, f"empty file{blank}", whole_file=True)


def _iter_zip(path: Path) -> Iterator[DeferredItem]:
    """Members in archive order; only ``.json`` and ``.xml`` members are studies, others are skipped.

    ``zipfile`` reads the central directory and then one member at a time, so the archive is never
    loaded whole. A missing central directory (a truncated download) rejects the whole archive; a
    damaged member (bad CRC, bad local header) rejects only that member.
    """
    origin = str(path)
    if path.stat().st_size == 0:
        yield Rejected(origin, "empty file")
        return
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
        yield Rejected(origin, f"truncated or not a zip archive: {one_line(exc)}", truncated=True)
        return
    caps = DecompressionCaps.from_settings()
    with archive:
        studies = 0
        for info in archive.infolist():
            if info.is_dir():
                continue
            suffix = next((s for s in (".json", ".xml") if info.filename.lower().endswith(s)), None)
            if suffix is None:
                continue
            studies += 1
            member_origin = f"{origin}!{info.filename}"
            what = f"zip member {info.filename}"
            try:
                # zipfile never inflates a member past its declared size: refusing a declared bomb here inflates
                # nothing, and read_whole still counts what really comes out of a member that declares less
                caps.check_whole(info.file_size, info.compress_size, what)
                with archive.open(info) as member:
                    data = read_whole(member, compressed_size=info.compress_size, what=what, caps=caps)
            except DecompressionBomb as exc:
                yield Rejected(member_origin, one_line(exc))
                continue
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError) as exc:
                yield Rejected(member_origin, f"damaged zip member: {one_line(exc)}", truncated=True)
                continue
            if suffix == ".xml":
                yield _xml_unit(member_origin, info.filename, data)
            else:
                yield RawJson(member_origin, data, info.filename)
        if studies == 0:
            yield no_records_entry(origin, "no .json or .xml member in the zip archive")


_READERS: dict[str, Callable[[Path], Iterator[DeferredItem]]] = {
    ".jsonl.gz": _iter_jsonl,
    ".jsonl": _iter_jsonl,
    ".json.gz": partial(_whole_file, is_xml=False),
    ".json": partial(_whole_file, is_xml=False),
    ".xml": partial(_whole_file, is_xml=True),
    ".zip": _iter_zip,
}
"""File kind (longest matching suffix) → how its studies are read."""
