"""First loads in bulk: staged rows → CSV files → ``neo4j-admin database import full`` → the same graph.

Why: MERGE through Bolt writes a few hundred studies a second on two cores; the offline importer
writes the whole registry in minutes. The importer only fills an empty database, with the server
stopped, so this path is for first loads of the local server; every later load uses the
transactional writer (``kg.writer``), which also takes the few records that appear twice in the input.
The CSV mirrors what ``cypher/write/*.cypher`` does, statement by statement (``_EMITTERS``), and a test
checks that both paths give identical graphs. Parsing and CSV rendering run in worker processes
(``loaders.parallel``, ``TRIALGRAPH_LOAD_WORKERS``); the parent appends each record's lines in input
order and merges shared nodes, so the result does not depend on the number of workers.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import logging
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trialgraph.errors import ConfigError, ServerError
from trialgraph.kg import cypher, server
from trialgraph.kg.graph import apply_schema, connect, run_read
from trialgraph.kg.graph_description import bulk_column_type, graph_description
from trialgraph.kg.writer import LoadReport, Quarantine, record_run, require_paths, run_time, write_batch
from trialgraph.loaders.base import RecordSource
from trialgraph.loaders.parallel import as_unit_loader, map_units
from trialgraph.model.staged import Quarantined, Staged
from trialgraph.settings import Settings

__all__ = ["bulk_import"]

log = logging.getLogger(__name__)

_ARRAY_DELIMITER = "\x1f"  # ASCII unit separator: never inside registry text
_BARE_REL_COLUMNS = (":START_ID", ":END_ID")
_WRITE_BUFFER_BYTES = 1 << 20  # the parent appends many small blocks per record: fewer, larger writes
_ADMIN_TOOL = "org.neo4j.cli.AdminTool"

# id space of each node label family (neo4j-admin resolves relationship ends within a space)
_SPACE = {
    "Trial": ("trial_id", "Trial"),
    "RegistryRecord": ("record_id", "Record"),
    "RecordFact": ("key", "Fact"),
    "Organization": ("key", "Organization"),
    "Condition": ("key", "Condition"),
    "Keyword": ("key", "Keyword"),
    "Country": ("name", "Country"),
    "Publication": ("key", "Publication"),
    "MeshTerm": ("name", "MeshTerm"),
    "TrialId": ("id", "TrialId"),
}


def _header(name: str, keys: list[str]) -> list[str]:
    """The importer's header for one CSV file: id spaces, and each property's type from ``cypher/graph.toml``."""
    what, first, *rest = name.split("-")
    description = graph_description()
    kind = description.nodes[rest[0]] if what == "nodes" else description.edges[first]
    header = []
    for key in keys:
        if key == ":ID":
            header.append(f":ID({_SPACE[first][1]})")
        elif key in (":START_ID", ":END_ID"):
            end_family = rest[-2] if key == ":START_ID" else rest[-1]
            header.append(f"{key}({_SPACE[end_family][1]})")
        elif key.startswith(":"):
            header.append(key)
        else:
            column_type = bulk_column_type(kind, key)
            header.append(f"{key}:{column_type}" if column_type else key)
    return header


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, list):
        return _ARRAY_DELIMITER.join(str(v) for v in value)
    return value


# cell types the csv module writes as the importer reads them (None as an empty cell); others go through _cell
_PLAIN_CELL_TYPES = frozenset({str, int, float, type(None)})


def _csv_row(keys: Sequence[str], row: dict[str, Any], where: str) -> list[Any]:
    """One row's cells in the file's column order. Why the fast path: this runs for every node and relationship
    of a bulk load (over a million cells per thousand studies), and most rows hold only strings and numbers."""
    if len(row) != len(keys):
        unknown = set(row) - set(keys)
        if unknown:
            raise ConfigError(f"bulk import: unexpected columns {sorted(unknown)} in {where}")
    cells = list(map(row.get, keys))
    if _PLAIN_CELL_TYPES.issuperset(map(type, cells)):
        return cells
    return [_cell(value) for value in cells]


@dataclass(frozen=True, slots=True)
class SharedMerge:
    """A MERGE of a node many records share, as data: applied in input order by the parent process."""

    family: str
    ident: str
    on_create: dict[str, Any]  # set when the node is first seen (None values skipped)
    always: dict[str, Any] = field(default_factory=dict)  # set every time (None values skipped)
    if_absent: dict[str, Any] = field(default_factory=dict)  # set when the node has no value yet
    least: dict[str, Any] = field(default_factory=dict)  # the smallest value stated (a name: order-independent)


@dataclass(frozen=True, slots=True)
class Rendered:
    """One staged record as importer CSV text, rendered where it was parsed (a worker process)."""

    record_id: str
    tables: dict[str, tuple[tuple[str, ...], bytes]]  # CSV file name → (its columns, this record's lines, UTF-8)
    merges: list[SharedMerge]
    origin: str = ""
    issues: tuple[str, ...] = ()  # values dropped from the record (see Staged.issues), quarantined by the caller


class _RecordSink:
    """Collects one record's CSV lines per file and its shared-node merges; see :func:`render`."""

    def __init__(self) -> None:
        self._buffers: dict[str, tuple[tuple[str, ...], io.StringIO, Any]] = {}
        self.merges: list[SharedMerge] = []
        # identity (which includes the record) → props: MERGE semantics within one record
        self._shared_rels: dict[tuple[str, ...], dict[str, Any]] = {}

    def _buffer(self, name: str, keys: Iterable[str]) -> tuple[tuple[str, ...], io.StringIO, Any]:
        buffer = self._buffers.get(name)
        if buffer is None:
            text = io.StringIO()
            buffer = self._buffers[name] = (tuple(keys), text, csv.writer(text))
        return buffer

    def _write(self, name: str, row: dict[str, Any]) -> None:
        keys, _, writer = self._buffer(name, row)
        writer.writerow(_csv_row(keys, row, name))

    def node(self, family: str, kind: str, ident: str, props: dict[str, Any]) -> None:
        """A node in file ``nodes-{family}-{kind}``; its labels are the file's (see :func:`_file_argument`)."""
        self._write(f"nodes-{family}-{kind}", {":ID": ident, **props})

    def rel(self, rel_type: str, start: tuple[str, str], end: tuple[str, str], props: dict[str, Any]) -> None:
        """A relationship in file ``rels-{type}-{start}-{end}``; its type is the file's, not a column."""
        name = f"rels-{rel_type}-{start[0]}-{end[0]}"
        if not props:  # most relationships carry no properties: their two cells need no row dict
            keys, _, writer = self._buffer(name, _BARE_REL_COLUMNS)
            if keys is _BARE_REL_COLUMNS or keys == _BARE_REL_COLUMNS:
                writer.writerow((start[1], end[1]))
                return
        self._write(name, {":START_ID": start[1], ":END_ID": end[1], **props})

    def merge_shared(self, family: str, ident: str, on_create: dict[str, Any], **updates: dict[str, Any]) -> None:
        self.merges.append(SharedMerge(family, ident, on_create, **updates))

    def merge_rel(self, identity: tuple[str, ...], props: dict[str, Any]) -> None:
        self._shared_rels.setdefault(identity, {}).update(props)

    def rendered(self, record_id: str) -> Rendered:
        for (rel_type, start_family, start, end_family, end, *_), props in self._shared_rels.items():
            self.rel(rel_type, (start_family, start), (end_family, end), props)
        # encoded here, in the worker: the parent process only appends bytes
        tables = {name: (keys, text.getvalue().encode()) for name, (keys, text, _) in self._buffers.items()}
        return Rendered(record_id, tables, self.merges)


def render(staged: Staged) -> Rendered:
    """A staged record's nodes and relationships as CSV lines (module level: worker processes call it)."""
    sink = _RecordSink()
    for statement, rows in staged.rows.items():
        emitter = _EMITTERS.get(statement)
        if emitter is None:
            raise ConfigError(f"bulk import has no CSV form for write statement {statement!r}")
        for row in rows:
            emitter(sink, row)
    rendered = sink.rendered(staged.record_id)
    return dataclasses.replace(rendered, origin=staged.origin, issues=staged.issues) if staged.issues else rendered


class _CsvFile:
    """One importer input file, header first; its columns are fixed by the first record that writes it."""

    def __init__(self, path: Path, name: str, keys: tuple[str, ...]) -> None:
        self.path = path
        self.keys = keys
        self._handle = path.open("wb", buffering=_WRITE_BUFFER_BYTES)
        self._write_rows([_header(name, list(keys))])

    def _write_rows(self, rows: Iterable[list[Any]]) -> None:
        text = io.StringIO()
        csv.writer(text).writerows(rows)
        self._handle.write(text.getvalue().encode())

    def write_row(self, row: dict[str, Any]) -> None:
        self._write_rows([_csv_row(self.keys, row, self.path.name)])

    def write_lines(self, columns: tuple[str, ...], lines: bytes) -> None:
        if columns != self.keys:
            raise ConfigError(f"bulk import: columns {list(columns)} differ from {list(self.keys)} in {self.path.name}")
        self._handle.write(lines)

    def close(self) -> None:
        self._handle.close()


class _Tables:
    """The importer's CSV files: records' lines appended in input order, shared nodes merged and written last."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._files: dict[str, _CsvFile] = {}
        self.shared: dict[str, dict[str, dict[str, Any]]] = {}  # family → id → props (merged like MERGE)

    def _file(self, name: str, keys: tuple[str, ...]) -> _CsvFile:
        target = self._files.get(name)
        if target is None:
            target = self._files[name] = _CsvFile(self.folder / f"{name}.csv", name, keys)
        return target

    def absorb(self, rendered: Rendered) -> None:
        for name, (columns, lines) in rendered.tables.items():
            self._file(name, columns).write_lines(columns, lines)
        for merge in rendered.merges:
            self._merge(merge)

    def _merge(self, merge: SharedMerge) -> None:
        """MERGE semantics over the shared nodes; the empty-update checks skip work for most merges."""
        nodes = self.shared.get(merge.family)
        if nodes is None:
            nodes = self.shared[merge.family] = {}
        props = nodes.get(merge.ident)
        if props is None:
            props = nodes[merge.ident] = {k: v for k, v in merge.on_create.items() if v is not None}
        if merge.if_absent:
            for key, value in merge.if_absent.items():
                if value is not None and props.get(key) is None:
                    props[key] = value
        if merge.always:
            props.update((k, v) for k, v in merge.always.items() if v is not None)
        for key, value in merge.least.items():
            if value is not None and (props.get(key) is None or value < props[key]):
                props[key] = value

    def finish(self) -> tuple[list[str], list[str]]:
        """Write the shared nodes (all columns any of them has), close every file; return importer arguments."""
        for family, nodes in self.shared.items():
            id_prop, _ = _SPACE[family]
            columns = (":ID", id_prop, *dict.fromkeys(key for props in nodes.values() for key in props))
            target = self._file(f"nodes-{family}-{family}", columns)
            for ident, props in nodes.items():
                target.write_row({":ID": ident, id_prop: ident, **{k: props.get(k) for k in columns[2:]}})
        for target in self._files.values():
            target.close()
        files = sorted(self._files.items())
        node_args = [_file_argument(name, f.path) for name, f in files if name.startswith("nodes-")]
        rel_args = [_file_argument(name, f.path) for name, f in files if name.startswith("rels-")]
        return node_args, rel_args


def _file_argument(name: str, path: Path) -> str:
    """The importer argument for one CSV file, with the labels or type every row of it has.

    Why: a file holds one kind of node (``nodes-{family}-{kind}``: labels family and kind) or one type of
    relationship (``rels-{type}-{start}-{end}``), so naming them once per file instead of in a column of
    every row saves about a tenth of the CSV bytes the workers render and the importer parses.
    """
    what, first, *rest = name.split("-")
    if what == "rels":
        return f"{first}={path}"
    labels = first if rest[0] == first else f"{first}:{rest[0]}"
    return f"{labels}={path}"


def _fact(sink: _RecordSink, label: str, row: dict[str, Any], record_id: str) -> tuple[str, str]:
    key = row["key"]  # props' None cells stay empty: the importer writes no property, as SET does for null
    sink._write(f"nodes-RecordFact-{label}", {":ID": key, "key": key, "record_id": record_id, **row["props"]})
    return ("RecordFact", key)


def _record_owned(label: str, rel_type: str) -> Callable[[_RecordSink, dict[str, Any]], None]:
    def emit(sink: _RecordSink, row: dict[str, Any]) -> None:
        fact = _fact(sink, label, row, row["record_id"])
        sink.rel(rel_type, ("RegistryRecord", row["record_id"]), fact, {})

    return emit


def _emit_records(sink: _RecordSink, row: dict[str, Any]) -> None:
    props = row["props"]
    sink.node(
        "RegistryRecord", "RegistryRecord", row["record_id"],
        {"record_id": row["record_id"], **props, "identity_pending": str(uuid.uuid4())},  # as randomUUID() per write
    )  # fmt: skip
    sink.merge_shared("Trial", row["trial_id"], {}, always=row["trial_props"])
    sink.rel("RECORD_OF", ("RegistryRecord", row["record_id"]), ("Trial", row["trial_id"]),
               {"source": row["source"], "evidence": row["evidence"]})  # fmt: skip


def _emit_sponsor(sink: _RecordSink, row: dict[str, Any]) -> None:
    sink.merge_shared(
        "Organization", row["org_key"], {}, least={"name": row["name"]}, always={"agency_class": row["agency_class"]}
    )
    identity = ("SPONSORED_BY", "RegistryRecord", row["record_id"], "Organization", row["org_key"], row["role"])
    sink.merge_rel(identity, {"role": row["role"], "position": row["position"]})


def _text_node(family: str, rel_type: str, extra: Callable[[dict[str, Any]], dict[str, Any]]):
    def emit(sink: _RecordSink, row: dict[str, Any]) -> None:
        sink.merge_shared(family, row["key"], {}, least={"name": row["name"]})
        identity = (rel_type, "RegistryRecord", row["record_id"], family, row["key"])
        sink.merge_rel(identity, extra(row))

    return emit


def _emit_arm(sink: _RecordSink, row: dict[str, Any]) -> None:
    arm = _fact(sink, "ArmGroup", row, row["record_id"])
    sink.rel("HAS_ARM", ("RegistryRecord", row["record_id"]), arm, {})
    for key in row["intervention_keys"]:
        sink.rel("USES_INTERVENTION", arm, ("RecordFact", key), {})


def _emit_eligibility(sink: _RecordSink, row: dict[str, Any]) -> None:
    elig = _fact(sink, "Eligibility", row, row["record_id"])
    sink.rel("HAS_ELIGIBILITY", ("RegistryRecord", row["record_id"]), elig, {})
    for item in row["criteria"]:
        sink.rel("HAS_CRITERION", elig, _fact(sink, "Criterion", item, row["record_id"]), {})


def _emit_site(sink: _RecordSink, row: dict[str, Any]) -> None:
    site = _fact(sink, "Site", row, row["record_id"])
    sink.rel("HAS_SITE", ("RegistryRecord", row["record_id"]), site, {})
    if row["country"] is not None:
        sink.merge_shared("Country", row["country"], {})
        sink.rel("IN_COUNTRY", site, ("Country", row["country"]), {})


def _emit_reference(sink: _RecordSink, row: dict[str, Any]) -> None:
    sink.merge_shared("Publication", row["pub_key"], {"pmid": row["pmid"]}, if_absent={"citation": row["citation"]})
    identity = ("HAS_REFERENCE", "RegistryRecord", row["record_id"], "Publication", row["pub_key"], row["type"])
    sink.merge_rel(identity, {"type": row["type"], "position": row["position"]})


def _mesh(rel_type: str) -> Callable[[_RecordSink, dict[str, Any]], None]:
    def emit(sink: _RecordSink, row: dict[str, Any]) -> None:
        sink.merge_shared("MeshTerm", row["name"], {}, always={"mesh_id": row["mesh_id"]})
        identity = (rel_type, "RegistryRecord", row["record_id"], "MeshTerm", row["name"], str(row["ancestor"]))
        sink.merge_rel(identity, {"ancestor": row["ancestor"], "source": "NLM"})

    return emit


def _grouped(label: str, rel_type: str) -> Callable[[_RecordSink, dict[str, Any]], None]:
    def emit(sink: _RecordSink, row: dict[str, Any]) -> None:
        fact = _fact(sink, label, row, row["record_id"])
        sink.rel(rel_type, ("RegistryRecord", row["record_id"]), fact, {})
        sink.rel("FOR_GROUP", fact, ("RecordFact", row["group_key"]), {})

    return emit


def _measures(label: str, rel_type: str) -> Callable[[_RecordSink, dict[str, Any]], None]:
    def emit(sink: _RecordSink, row: dict[str, Any]) -> None:
        measure = _fact(sink, label, row, row["record_id"])
        sink.rel(rel_type, ("RegistryRecord", row["record_id"]), measure, {})
        for value in row["values"]:
            node = _fact(sink, "MeasureValue", value, row["record_id"])
            sink.rel("HAS_VALUE", measure, node, {})
            sink.rel("FOR_GROUP", node, ("RecordFact", value["group_key"]), {})

    return emit


def _emit_site_contact(sink: _RecordSink, row: dict[str, Any]) -> None:
    contact = _fact(sink, "Contact", row, row["record_id"])
    sink.rel("HAS_CONTACT", ("RecordFact", row["site_key"]), contact, {})


def _emit_record_country(sink: _RecordSink, row: dict[str, Any]) -> None:
    sink.merge_shared("Country", row["country"], {})
    identity = ("HAS_COUNTRY", "RegistryRecord", row["record_id"], "Country", row["country"])
    sink.merge_rel(identity, {"removed": row["removed"], "position": row["position"]})


def _measure_owned(label: str, rel_type: str) -> Callable[[_RecordSink, dict[str, Any]], None]:
    """A fact of one outcome measure (an analysed count) with the group it counts."""

    def emit(sink: _RecordSink, row: dict[str, Any]) -> None:
        fact = _fact(sink, label, row, row["record_id"])
        sink.rel(rel_type, ("RecordFact", row["measure_key"]), fact, {})
        sink.rel("FOR_GROUP", fact, ("RecordFact", row["group_key"]), {})

    return emit


def _emit_analysis(sink: _RecordSink, row: dict[str, Any]) -> None:
    analysis = _fact(sink, "OutcomeAnalysis", row, row["record_id"])
    sink.rel("HAS_ANALYSIS", ("RecordFact", row["measure_key"]), analysis, {})
    for group_key in row["group_keys"]:
        sink.rel("COMPARES", analysis, ("RecordFact", group_key), {})


def _emit_claim(sink: _RecordSink, row: dict[str, Any]) -> None:
    sink.merge_shared("TrialId", row["trial_id"], {"registry": row["registry"], "identity_pending": str(uuid.uuid4())})
    identity = ("CLAIMS", "RegistryRecord", row["record_id"], "TrialId", row["trial_id"], row["evidence"])
    sink.merge_rel(identity, {"evidence": row["evidence"], "relation": row["relation"]})


_EMITTERS: dict[str, Callable[[_RecordSink, dict[str, Any]], None]] = {
    "merge_records": _emit_records,
    "merge_sponsors": _emit_sponsor,
    "merge_conditions": _text_node(
        "Condition", "STUDIES_CONDITION", lambda r: {"position": r["position"], "as_written": r["name"]}
    ),
    "merge_keywords": _text_node("Keyword", "HAS_KEYWORD", lambda r: {"position": r["position"]}),
    "merge_interventions": _record_owned("Intervention", "HAS_INTERVENTION"),
    "merge_arms": _emit_arm,
    "merge_outcomes": _record_owned("Outcome", "HAS_OUTCOME"),
    "merge_eligibility": _emit_eligibility,
    "merge_sites": _emit_site,
    "merge_references": _emit_reference,
    "merge_condition_mesh": _mesh("HAS_CONDITION_MESH"),
    "merge_intervention_mesh": _mesh("HAS_INTERVENTION_MESH"),
    "merge_result_groups": _record_owned("ResultGroup", "HAS_RESULT_GROUP"),
    "merge_flow_counts": _grouped("FlowCount", "HAS_FLOW_COUNT"),
    "merge_baseline_measures": _measures("BaselineMeasure", "HAS_BASELINE_MEASURE"),
    "merge_outcome_measures": _measures("OutcomeMeasure", "HAS_OUTCOME_MEASURE"),
    "merge_adverse_events": _grouped("AdverseEvent", "HAS_ADVERSE_EVENT"),
    "merge_outcome_analyses": _emit_analysis,
    "merge_outcome_counts": _measure_owned("AnalyzedCount", "HAS_ANALYZED_COUNT"),
    "merge_baseline_counts": _grouped("AnalyzedCount", "HAS_BASELINE_COUNT"),
    "merge_drop_withdrawals": _grouped("DropWithdrawal", "HAS_DROP_WITHDRAWAL"),
    "merge_event_reporting": _record_owned("EventReporting", "HAS_EVENT_REPORTING"),
    "merge_id_claims": _emit_claim,
    "merge_officials": _record_owned("Official", "HAS_OFFICIAL"),
    "merge_central_contacts": _record_owned("Contact", "HAS_CONTACT"),
    "merge_see_also_links": _record_owned("SeeAlsoLink", "HAS_SEE_ALSO_LINK"),
    "merge_large_documents": _record_owned("LargeDocument", "HAS_LARGE_DOCUMENT"),
    "merge_available_ipds": _record_owned("AvailableIpd", "HAS_AVAILABLE_IPD"),
    "merge_pending_results": _record_owned("PendingResultsEvent", "HAS_PENDING_RESULTS_EVENT"),
    "merge_site_contacts": _emit_site_contact,
    "merge_record_countries": _emit_record_country,
}


def _graph_is_empty(settings: Settings) -> bool:
    with connect(settings) as driver:
        return run_read(driver, cypher.load("read/graph_has_nodes"))[0]["any"] is False


def bulk_import(
    settings: Settings,
    loader: RecordSource,
    paths: Iterable[Path],
    *,
    on_item: Callable[[LoadReport], None] | None = None,
    replace: bool = False,
) -> LoadReport:
    """Fill an empty local graph from files with the offline importer; same graph as ``writer.load``.

    Args:
        replace: allow replacing a graph that already holds data (the importer overwrites the database).

    Raises:
        ConfigError: not the local server, or the graph already holds data (use ``trialgraph load``).
        ServerError: the importer failed (its first error line).
    """
    if not settings.uses_local_server:
        raise ConfigError("bulk import runs neo4j-admin on the local server; for NEO4J_URI use `trialgraph load`")
    paths = [Path(p) for p in paths]
    require_paths(paths)
    server.start_server(settings)
    if not replace and not _graph_is_empty(settings):
        raise ConfigError(
            "the graph already holds data: bulk import is for first loads; use `trialgraph load`, "
            "or `--bulk --replace` to replace the whole graph"
        )
    server.stop_server(settings)  # the importer needs it stopped; parsing gets both cores meanwhile
    run_id = uuid.uuid4().hex
    report = LoadReport(run_id=run_id, source=loader.source, files=[str(p) for p in paths], batch_size=0)
    quarantine = Quarantine(settings.quarantine_dir, loader.source, run_id)
    seen: set[str] = set()
    repeated: list[Staged] = []
    clock = time.monotonic()
    settings.home.mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(prefix="bulk-", dir=settings.home) as folder:
            tables = _Tables(Path(folder))
            try:
                units = map_units(loader, paths, load_run=run_id, workers=settings.load_workers, transform=render)
                for unit, outputs in units:
                    for output in outputs:
                        report.read += 1
                        if isinstance(output, Quarantined):
                            report.rejected += 1
                            quarantine.add(output, run_id)
                        elif output.record_id in seen:  # resolved by the transactional writer after the import
                            repeated.append(_restage(loader, unit, output.record_id, run_id))
                        else:
                            seen.add(output.record_id)
                            tables.absorb(output)
                            report.written += 1
                        if not isinstance(output, Quarantined) and output.issues:
                            report.field_issues += len(output.issues)
                            quarantine.add_field_issues(output, run_id)
                        if on_item is not None:
                            on_item(report)
            finally:
                report.quarantine_file = quarantine.close()
            node_files, rel_files = tables.finish()
            log.info("bulk: %d records staged and rendered in %.1f s", report.written, time.monotonic() - clock)
            import_clock = time.monotonic()
            _run_importer(settings, node_files, rel_files)
            log.info("bulk: neo4j-admin import took %.1f s", time.monotonic() - import_clock)
    finally:
        server.start_server(settings)  # also after a failure: leave the server as we found it
    with connect(settings) as driver:
        schema_clock = time.monotonic()
        apply_schema(driver, database=settings.neo4j_database)
        log.info("bulk: restart and schema took %.1f s", time.monotonic() - schema_clock)
        for item in repeated:  # later duplicates: the writer keeps whichever version has precedence
            written, unchanged, superseded = write_batch(
                driver, loader, {item.record_id: item}, settings.neo4j_database
            )
            report.written += written
            report.unchanged += unchanged
            report.superseded += superseded
        report.seconds = time.monotonic() - clock
        report.finished = run_time()
        record_run(driver, report, "completed (bulk import)", settings.neo4j_database)
    return report


def _restage(loader: RecordSource, unit: Any, record_id: str, run_id: str) -> Staged:
    """A repeated record's staged form, for the writer; repeats are rare, so parsing its unit again is cheap."""
    items = as_unit_loader(loader, run_id).stage_unit(unit, load_run=run_id)
    return next(item for item in items if isinstance(item, Staged) and item.record_id == record_id)


def _run_importer(settings: Settings, node_files: list[str], rel_files: list[str]) -> None:
    lib = server.provision(settings)
    root = settings.server_dir
    java = shutil.which(settings.java) or settings.java
    argv = [
        java, "-cp", f"{lib}/*", _ADMIN_TOOL, "database", "import", "full", settings.neo4j_database,
        "--overwrite-destination=true", "--multiline-fields=true", f"--array-delimiter={_ARRAY_DELIMITER}",
        "--id-type=string", "--skip-duplicate-nodes=false", "--bad-tolerance=0",
        f"--report-file={root / 'logs' / 'import.report'}",
        *(f"--nodes={path}" for path in node_files),
        *(f"--relationships={path}" for path in rel_files),
    ]  # fmt: skip
    env = {"NEO4J_HOME": str(root), "NEO4J_CONF": str(root / "conf"), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        lines = [ln for ln in (result.stderr + result.stdout).splitlines() if ln.strip()]
        first = next((ln for ln in lines if "rror" in ln or "xception" in ln), lines[-1] if lines else "no output")
        raise ServerError(f"neo4j-admin import failed: {first.strip()[:300]}")
    log.info("import done: %s", result.stdout.strip().splitlines()[-1:] or "")
