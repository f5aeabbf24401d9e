"""Input helpers every file-based loader shares: one-line error reasons, walking a folder, opening a file.

Vocabulary sources, registry exports, PubMed and CT.gov all turn an unreadable input into a one-line
reason (never a stack trace), walk folders the same way (recursively, in sorted order so runs are
reproducible, skipping hidden files and the notes that lie beside the data) and open a file the same way
(gunzipped when its content is gzip, whatever its name). Having one copy keeps those rules identical
across loaders.
"""

from __future__ import annotations

import errno
import gzip
import io
import os
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal, TextIO, TypeVar, cast

from trialgraph.errors import SourceError
from trialgraph.model.staged import Quarantined

T = TypeVar("T")

__all__ = [
    "DOCUMENTATION_SUFFIXES",
    "EMPTY_FILE",
    "GZIP_ERRORS",
    "GZIP_MAGIC",
    "HEADER_ONLY",
    "LINE_ENDS",
    "NO_RECORDS",
    "UNREADABLE_FILE_ERRORS",
    "DecompressionBomb",
    "DecompressionCaps",
    "KeyRuns",
    "TrackedLines",
    "check_input",
    "empty_file_entry",
    "empty_reason",
    "ends_with_line_end",
    "file_guarded",
    "header_only_entry",
    "is_gzip",
    "is_regular_file",
    "iter_inputs",
    "json_ends_early",
    "no_records_entry",
    "one_line",
    "open_binary",
    "open_text",
    "or_no_records",
    "read_whole",
    "walk_data_files",
    "walk_files",
]

DOCUMENTATION_SUFFIXES = (".md", ".csv", ".tsv", ".txt")
"""Notes and manifests lying beside the data in an export folder; never treated as inputs."""


def one_line(exc: BaseException) -> str:
    """An exception's message with its whitespace folded, for a rejection reason; the type when it has none."""
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def is_regular_file(path: Path) -> bool:
    """A regular file, or a link to one. A FIFO would block its reader forever; a device or socket is no data."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:  # a broken link, or no permission to look
        return False


def check_input(path: Path) -> None:
    """One line, before anything is read, for a path that is missing or neither a folder nor a regular file.

    The reason is the operating system's, not a guess: ``Path.exists`` says False for a link loop or a folder
    that may not be searched, and "no such file" would then send the user looking for a typo.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise SourceError(f"no such file or folder: {path}") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise SourceError(f"symlink loop: {path} (its links point back to each other, never to a file)") from None
        raise SourceError(f"cannot read {path}: {exc.strerror or one_line(exc)}") from None
    if not stat.S_ISDIR(mode) and not stat.S_ISREG(mode):
        raise SourceError(f"not a regular file or folder (a FIFO, device or socket is never read): {path}")


GZIP_MAGIC = b"\x1f\x8b"
"""The first two bytes of every gzip stream (RFC 1952)."""

GZIP_ERRORS: tuple[type[BaseException], ...] = (EOFError, zlib.error, gzip.BadGzipFile)
"""What reading a damaged gzip stream raises (besides other OSErrors): cut short, corrupt data, a bad header."""


def is_gzip(path: Path) -> bool:
    """Whether the file's content starts with gzip's magic number: names lie (a renamed export, a plain ``.gz``)."""
    with path.open("rb") as probe:
        return probe.read(len(GZIP_MAGIC)) == GZIP_MAGIC


_RATIO_FLOOR_BYTES = 64 << 20
"""Below this much output any ratio is fine: small files of repeated text compress very well."""


class DecompressionBomb(gzip.BadGzipFile):
    """A stream or member that expands past the caps (one of :data:`GZIP_ERRORS`, so every reader quarantines it)."""


@dataclass(frozen=True, slots=True)
class DecompressionCaps:
    """How far a compressed input may expand: a ratio once past :data:`_RATIO_FLOOR_BYTES`, and a size for
    anything read whole (a zip member, a ``.json.gz`` study). From the settings ``max_decompression_ratio`` and
    ``max_member_mb``."""

    max_ratio: int
    max_whole_bytes: int

    @classmethod
    def from_settings(cls) -> DecompressionCaps:
        from trialgraph.settings import get_settings  # settings import nothing from loaders; late for workers

        settings = get_settings()
        return cls(max_ratio=settings.max_decompression_ratio, max_whole_bytes=settings.max_member_mb << 20)

    def check_whole(self, produced: int, consumed: int, what: str) -> None:
        """:meth:`check`, and the size cap for an input read whole (a zip member, a ``.json.gz`` study)."""
        if produced > self.max_whole_bytes:
            raise DecompressionBomb(
                f"{what} decompresses to more than {self.max_whole_bytes >> 20} MiB: a decompression bomb "
                "(cap: TRIALGRAPH_MAX_MEMBER_MB)"
            )
        self.check(produced, consumed, what)

    def check(self, produced: int, consumed: int, what: str) -> None:
        """Raise :class:`DecompressionBomb` when ``produced`` output bytes from ``consumed`` input bytes is too much."""
        if produced > _RATIO_FLOOR_BYTES and produced > self.max_ratio * max(consumed, 1):
            raise DecompressionBomb(
                f"{what} expands more than {self.max_ratio}x ({produced >> 20} MiB from {consumed >> 10} KiB "
                "read): a decompression bomb (cap: TRIALGRAPH_MAX_DECOMPRESSION_RATIO)"
            )


class _CappedStream(io.RawIOBase):
    """A decompressing stream that counts what it gives out against what it took in, and stops a bomb."""

    def __init__(self, stream: BinaryIO, consumed: Callable[[], int], caps: DecompressionCaps, what: str) -> None:
        self._stream = stream
        self._consumed = consumed
        self._caps = caps
        self._what = what
        self._produced = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._stream.read1(len(buffer))  # one block at a time: a break loses only the block it is in
        buffer[: len(data)] = data
        self._produced += len(data)
        self._caps.check(self._produced, self._consumed(), self._what)
        return len(data)

    def close(self) -> None:
        self._stream.close()
        super().close()


def open_binary(path: Path, buffer_size: int | None = None, caps: DecompressionCaps | None = None) -> BinaryIO:
    """The file's bytes, gunzipped when its content is gzip (told by the magic bytes, never by the name).

    So a gzip file without a ``.gz`` suffix and a plain file named ``.gz`` are both read as what they
    are. A gzip stream is read incrementally under ``caps`` (default: the settings), so a bomb raises
    :class:`DecompressionBomb` after bounded memory instead of filling it. ``buffer_size`` sets the read
    buffer (readers that take a big file line by line want a large one). Opening raises ``OSError``;
    reading a damaged gzip raises one of :data:`GZIP_ERRORS`.
    """
    if not is_gzip(path):
        return path.open("rb", buffering=-1 if buffer_size is None else buffer_size)
    raw = path.open("rb")
    capped = _CappedStream(
        cast(BinaryIO, gzip.GzipFile(fileobj=raw, mode="rb")), raw.tell, caps or DecompressionCaps.from_settings(),
        str(path),
    )  # fmt: skip
    return cast(BinaryIO, _ClosingReader(capped, raw, buffer_size or 1 << 16))


class _ClosingReader(io.BufferedReader):
    """A buffered reader over the capped stream that also closes the file beneath it."""

    def __init__(self, stream: _CappedStream, raw: BinaryIO, buffer_size: int) -> None:
        super().__init__(stream, buffer_size=buffer_size)
        self._file = raw

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._file.close()


def read_whole(stream: BinaryIO, *, compressed_size: int, what: str, caps: DecompressionCaps | None = None) -> bytes:
    """Read a zip member (or any stream read whole) in chunks, refusing a bomb before it fills memory.

    Why chunks: a member's declared sizes are the archive's word, and an attacker's; only counting what
    actually comes out bounds memory, by the size cap and by the ratio to the member's compressed size.
    """
    caps = caps or DecompressionCaps.from_settings()
    out = io.BytesIO()  # one growing buffer, handed out without a copy: no list of chunks joined at twice the size
    while chunk := stream.read(1 << 20):
        caps.check_whole(out.tell() + len(chunk), compressed_size, what)
        out.write(chunk)
    return out.getvalue()


def open_text(path: Path, encoding: str = "utf-8") -> TextIO:
    """The file's text (see :func:`open_binary`), newlines left as they are so that :mod:`csv` sees them."""
    return io.TextIOWrapper(open_binary(path), encoding=encoding, newline="")


def walk_files(root: Path, accept: Callable[[Path], bool] | None = None) -> list[Path]:
    """Regular, non-hidden files under ``root`` (recursively) that ``accept`` takes, sorted: the one folder walk.

    Hidden files and folders (``.git``, editor files) are skipped; FIFOs, devices and sockets are never
    opened; links to folders are not followed, so a link loop cannot make the walk endless.
    """
    found: list[Path] = []
    for folder, folders, names in os.walk(root, followlinks=False):
        folders[:] = [name for name in folders if not name.startswith(".")]
        for name in names:
            path = Path(folder, name)
            if not name.startswith(".") and is_regular_file(path) and (accept is None or accept(path)):
                found.append(path)
    return sorted(found)


def walk_data_files(root: Path) -> list[Path]:
    """Files under ``root`` that are not notes (:data:`DOCUMENTATION_SUFFIXES`), sorted (see :func:`walk_files`)."""
    return walk_files(root, lambda path: not path.name.lower().endswith(DOCUMENTATION_SUFFIXES))


def _suffix_match(name: str, suffixes: Iterable[str]) -> str | None:
    lowered = name.lower()
    return next((suffix for suffix in sorted(suffixes, key=len, reverse=True) if lowered.endswith(suffix)), None)


def iter_inputs(
    paths: Iterable[Path | str],
    handlers: Mapping[str, T],
    *,
    in_folders: Literal["data", "matching"],
    check_blank: bool = True,
) -> Iterator[tuple[Path, T] | Quarantined]:
    """Each input file under ``paths`` with the handler its longest matching suffix names: the one input iteration.

    A file named explicitly that no handler reads is quarantined with the suffixes expected, and so is a file
    with no record content (:func:`empty_reason`: zero bytes, whitespace only, a gzip of nothing): nothing the
    user asked for disappears without a trace. Such a file is quarantined as a whole file, like any other
    unreadable one, so the load is ``partial`` and exits non-zero: a script must not take a download that wrote
    nothing for a load that worked. ``check_blank=False`` leaves all but the zero-byte check to a reader that
    tells a blank file apart itself, more precisely (CT.gov counts a JSONL file's blank lines). In folders,
    ``"data"`` takes every data file (notes skipped, :func:`walk_data_files`; an unknown kind is quarantined, so
    an export folder loses nothing), ``"matching"`` only the files a handler reads (an ontology folder holds
    ``.obo``, ``.owl`` and ``.md`` side by side, each for another source).

    Raises:
        SourceError: a path does not exist (a typo should stop the run, not load nothing).
    """
    for raw_path in paths:
        path = Path(raw_path)
        check_input(path)
        if not path.is_dir():
            files = [path]
        elif in_folders == "data":
            files = walk_data_files(path)
        else:
            files = walk_files(path, lambda file: _suffix_match(file.name, handlers) is not None)
        for file in files:
            suffix = _suffix_match(file.name, handlers)
            if suffix is None:
                shown = "".join(file.suffixes) or "(no extension)"
                known = ", ".join(sorted(handlers))
                yield Quarantined(str(file), f"unsupported file type {shown}; expected one of {known}")
            elif (empty := empty_file_entry(file, blank=check_blank)) is not None:
                yield empty  # a download that wrote nothing: the file, not a record, is bad
            else:
                yield file, handlers[suffix]


EMPTY_FILE = "empty file"
"""How every reason for a file without record content starts (scripts and tests match on it)."""

HEADER_ONLY = f"{EMPTY_FILE} (header only, no rows)"
"""A CSV/TSV file whose header is followed by no data row.

Refused whole, like a blank file, even though a search with no hits exports just that: the load a script
runs expects records, and one file that brought none must show as ``partial`` (exit 2) rather than pass
as a load that worked. A download cut right after its header looks the same, and a user who meant an empty
table can leave the file out.
"""

_UTF8_BOM = b"\xef\xbb\xbf"


def empty_reason(path: Path, *, blank: bool = True) -> str | None:
    """Why the file holds no record content (a reason starting :data:`EMPTY_FILE`), or None when it holds some.

    Why one check for every reader: left to them, a blank download met each reader its own way (a JSONL or
    N-Triples reader yielded nothing, an XML parser said "Start tag expected" for one record, a CSV reader "not
    a known table"): a silent 0-record success or a record-level rejection, never the whole-file refusal that
    makes the load ``partial``. The content is gunzipped when it is gzip (:func:`open_binary`, under the usual
    caps) and read only up to its first byte that is not whitespace or a UTF-8 byte order mark, so a real file
    costs one small read. ``blank=False`` checks for zero bytes only. A file that cannot be peeked at (no
    permission, a damaged gzip, a bomb) gives None: its reader meets the same error and names it.
    """
    try:
        if path.stat().st_size == 0:
            return EMPTY_FILE
        if not blank:
            return None
        with open_binary(path) as handle:
            head = handle.read(1 << 16)
            if not head:
                return f"{EMPTY_FILE} (gzip stream of nothing)"
            if head.removeprefix(_UTF8_BOM).strip():
                return None
            while chunk := handle.read(1 << 20):
                if chunk.strip():
                    return None
    except (OSError, *GZIP_ERRORS):
        return None
    return f"{EMPTY_FILE} (whitespace only)"


def empty_file_entry(path: Path, *, blank: bool = True) -> Quarantined | None:
    """The whole-file quarantine entry for a file without record content (:func:`empty_reason`), or None."""
    reason = empty_reason(path, blank=blank)
    return None if reason is None else Quarantined(str(path), reason, whole_file=True)


def header_only_entry(path: Path) -> Quarantined:
    """The whole-file quarantine entry for a CSV/TSV file with a header and no data row (:data:`HEADER_ONLY`)."""
    return Quarantined(str(path), HEADER_ONLY, whole_file=True)


NO_RECORDS = "no records"
"""How the reason starts for a file that parses but holds no record (a ``[]`` export, an XML root with no record).

Refused whole, like an empty file (:data:`EMPTY_FILE`): a search with no hits exports just that, and so does a
download or conversion that lost every record on the way, and a script must see the load as ``partial`` (exit
2) rather than a load that worked.
"""


def no_records_entry(path: Path | str, expected: str) -> Quarantined:
    """The whole-file quarantine entry for a file that parses but holds no record: ``no records: {expected}``.

    ``expected`` says in a few words what a record would have been, as what is missing (``no <Trial> element``).
    """
    return Quarantined(str(path), f"{NO_RECORDS}: {expected}", whole_file=True)


def or_no_records(
    path: Path | str, items: Iterable[T], expected: str, wrap: Callable[[Quarantined], T] | None = None
) -> Iterator[T]:
    """``items`` (one file's records, rejections included); if it yields none, one :func:`no_records_entry`.

    A file whose reader yields only rejections is not silent, so only a file that yields nothing at all gets the
    entry. ``wrap`` puts the entry in the shape the caller yields (e.g. an ``(item, origin)`` pair).
    """
    found = False
    for item in items:
        found = True
        yield item
    if not found:
        entry = no_records_entry(path, expected)
        yield wrap(entry) if wrap is not None else cast(T, entry)


UNREADABLE_FILE_ERRORS: tuple[type[BaseException], ...] = (
    SourceError,
    OSError,  # includes gzip.BadGzipFile
    EOFError,  # a truncated gzip stream
    UnicodeError,  # UTF-16 or Latin-1 given where UTF-8 is required
    zlib.error,
    zipfile.BadZipFile,
)
"""What reading a file that cannot be read at all raises (as opposed to a bad record inside a readable file)."""


def file_guarded(path: Path, items: Iterator[T], wrap: Callable[[Quarantined], T]) -> Iterator[T]:
    """``items`` (one file's records); if the file turns out unreadable, one whole-file quarantine entry instead.

    Why: in a multi-file load, one truncated ``.csv.gz`` or a UTF-16 text must not stop the files after it
    (nor lose those read before it). Records already yielded stay: each reader yields a record only once its
    format says it is complete, so what came before the break is whole. ``wrap`` puts the entry in the
    shape the caller yields (e.g. an ``(item, origin)`` pair).
    """
    try:
        yield from items
    except UNREADABLE_FILE_ERRORS as exc:
        reason = one_line(exc) if isinstance(exc, SourceError) else f"cannot read {path}: {one_line(exc)}"
        yield wrap(Quarantined(origin=str(path), reason=reason, whole_file=True))


LINE_ENDS = ("\n", "\r")
"""What ends a line in text read with ``newline=""`` (as :func:`open_text` reads it, and as :mod:`csv` wants)."""


class TrackedLines:
    """Text lines for a :mod:`csv` reader that remember how the last one ended: is the row just read whole?

    Why: csv takes a final line that lacks its terminator as a whole row, and (unless strict) a quoted field
    still open at the end of the file as a finished one. A file cut mid-download thus passes a column-count
    check with its last value damaged (an SSSOM justification ``semapv:Man``). A row is known complete only
    when the line that closed it ends with a line terminator and the reader did not run out of lines while
    finishing it; csv never reads ahead of the row it returns, so asking :attr:`cut_reason` right after each
    row tells exactly. It works on a stream line by line (a large or gzipped file, :func:`open_text`): nothing
    is read twice or held.
    """

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = iter(lines)
        self._ended = True
        self._exhausted = False

    def __iter__(self) -> TrackedLines:
        return self

    def __next__(self) -> str:
        try:
            line = next(self._lines)
        except StopIteration:
            self._exhausted = True
            raise
        self._ended = line.endswith(LINE_ENDS)
        return line

    @property
    def cut_reason(self) -> str | None:
        """Why the row the reader just returned is not whole (the end of the file cut it), or None when it is."""
        if self._exhausted:
            return "row cut at end of file (inside a quoted field)"
        if not self._ended:
            return "row cut at end of file (no line end)"
        return None


def ends_with_line_end(path: Path) -> bool:
    """Whether the file's content (gunzipped, :func:`open_binary`) ends with a line terminator.

    For a reader that only sees rows, not lines, and so cannot use :class:`TrackedLines`: it asks once, after
    the last row. A plain file is answered from its last byte; a gzip stream has to be read to its end again
    (cheap next to parsing it). Raises what :func:`open_binary` raises on an unreadable or damaged file.
    """
    if not is_gzip(path):
        with path.open("rb") as handle:
            if handle.seek(0, os.SEEK_END) == 0:
                return False
            handle.seek(-1, os.SEEK_END)
            return handle.read(1) in (b"\n", b"\r")
    tail = b""
    with open_binary(path) as handle:
        while chunk := handle.read(1 << 20):
            tail = chunk
    return tail.endswith((b"\n", b"\r"))


def json_ends_early(data: bytes, exc: Exception) -> bool:
    """Whether a JSON text failed to decode because it stops before its value closes: a cut, not bad JSON.

    A reader that decodes a whole file (or a last line without its line end) marks such a rejection
    ``truncated``, so that the load is ``partial``. orjson says "unexpected end of data"; a cut inside a
    multi-byte UTF-8 character fails as UTF-8 first, with the same reason from Python's decoder.
    """
    if str(exc).startswith("unexpected end of data"):
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as bad:
        return bad.reason == "unexpected end of data" and bad.end == len(data)
    return False


@dataclass(slots=True)
class KeyRuns:
    """Where each key's rows run in a file read in order (an ATC code's DDD rows, an SSSOM subject's mappings).

    Why: a plain file cut exactly at a line end reads as whole. In a file that states each key's rows in one run
    (``grouped``), only the last run (``last``) can have lost rows to such a cut; once some key comes back after
    another's rows, any key may have.
    """

    last: str | None = None
    closed: set[str] = field(default_factory=set)
    grouped: bool = True

    def see(self, key: str) -> None:
        """The next row's key."""
        if key != self.last:
            if self.last is not None:
                self.closed.add(self.last)
            self.grouped = self.grouped and key not in self.closed
            self.last = key
