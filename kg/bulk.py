"""First loads in bulk: staged rows → CSV files → ``neo4j-admin database import full`` → the same graph.

Why: MERGE through Bolt writes a few hundred studies a second on two cores; the offline importer
writes the whole registry in minutes. The importer only fills an empty database, with the server
stopped, so this path is for first loads of the local server; every later load uses the
transactional writer (``kg.writer``), which also takes the few records that appear twice in the input.
The CSV mirrors what ``cypher/write/*.cypher`` does, statement by statement (``_EMITTERS``), and a test
checks that both paths give identical graphs.
"""

from __future__ import annotations

import csv
import logging
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trialgraph.errors import ConfigError, ServerError
from trialgraph.kg import server
from trialgraph.kg.graph import apply_schema, connect, run_read
from trialgraph.kg.writer import LoadReport, Quarantine, record_run, require_paths, write_batch
from trialgraph.loaders.base import Loader, Quarantined, Staged
from trialgraph.settings import Settings

__all__ = ["bulk_import"]

log = logging.getLogger(__name__)

_ARRAY_DELIMITER = "\x1f"  # ASCII unit separator: never inside registry text
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


# Property types for the importer's CSV headers (everything else is a string). Fixed by the row layout
# in loaders/*/rows.py, so one pass can write each CSV with its header first.
_LONG = frozenset({"position", "enrollment", "count", "affected", "at_risk"})
_BOOLEAN = frozenset({"has_results", "healthy_volunteers", "ancestor"})
_ARRAY = frozenset({"phases", "secondary_ids", "nct_aliases", "aliases", "other_names"})


def _header(name: str, keys: list[str]) -> list[str]:
    _, family, *rest = name.split("-")
    header = []
    for key in keys:
        if key == ":ID":
            header.append(f":ID({_SPACE[family][1]})")
        elif key in (":START_ID", ":END_ID"):
            end_family = rest[-2] if key == ":START_ID" else rest[-1]
            header.append(f"{key}({_SPACE[end_family][1]})")
        elif key.startswith(":"):
            header.append(key)
        elif key in _LONG:
            header.append(f"{key}:long")
        elif key in _BOOLEAN:
            header.append(f"{key}:boolean")
        elif key in _ARRAY:
            header.append(f"{key}:string[]")
        else:
            header.append(key)
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


class _CsvFile:
    """One importer input file; its columns are the keys of its first row (rows of one kind share keys)."""

    def __init__(self, path: Path, name: str, first_row: dict[str, Any]) -> None:
        self.path = path
        self.keys = list(first_row)
        self._handle = path.open("w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._handle)
        self._writer.writerow(_header(name, self.keys))

    def write(self, row: dict[str, Any]) -> None:
        if len(row) != len(self.keys):
            unknown = set(row) - set(self.keys)
            if unknown:
                raise ConfigError(f"bulk import: unexpected columns {sorted(unknown)} in {self.path.name}")
        self._writer.writerow([_cell(row.get(k)) for k in self.keys])

    def close(self) -> None:
        self._handle.close()


class _Tables:
    """The importer's CSV files, written in one pass; shared nodes are merged in memory and written last."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._files: dict[str, _CsvFile] = {}
        self.shared: dict[str, dict[str, dict[str, Any]]] = {}  # family → id → props (merged like MERGE)
        # identity (which includes the record) → props: MERGE semantics within one record, flushed per record
        self.shared_rels: dict[tuple[str, ...], dict[str, Any]] = {}

    def _write(self, name: str, row: dict[str, Any]) -> None:
        target = self._files.get(name)
        if target is None:
            target = self._files[name] = _CsvFile(self.folder / f"{name}.csv", name, row)
        target.write(row)

    def node(self, family: str, labels: str, ident: str, props: dict[str, Any]) -> None:
        kind = labels.rsplit(_ARRAY_DELIMITER, 1)[-1]
        self._write(f"nodes-{family}-{kind}", {":ID": ident, ":LABEL": labels, **props})

    def rel(self, rel_type: str, start: tuple[str, str], end: tuple[str, str], props: dict[str, Any]) -> None:
        name = f"rels-{rel_type}-{start[0]}-{end[0]}"
        self._write(name, {":START_ID": start[1], ":END_ID": end[1], ":TYPE": rel_type, **props})

    def merge_shared(
        self, family: str, ident: str, on_create: dict[str, Any], always: Callable[[dict[str, Any]], None] | None
    ) -> None:
        nodes = self.shared.setdefault(family, {})
        props = nodes.get(ident)
        if props is None:
            props = nodes[ident] = {k: v for k, v in on_create.items() if v is not None}
        if always is not None:
            always(props)

    def merge_rel(self, identity: tuple[str, ...], props: dict[str, Any]) -> None:
        self.shared_rels.setdefault(identity, {}).update(props)

    def flush_record_rels(self) -> None:
        for (rel_type, start_family, start, end_family, end, *_), props in self.shared_rels.items():
            self.rel(rel_type, (start_family, start), (end_family, end), props)
        self.shared_rels.clear()

    def finish(self) -> tuple[list[str], list[str]]:
        """Write the shared nodes (all columns any of them has), close every file; return importer arguments."""
        for family, nodes in self.shared.items():
            id_prop, _ = _SPACE[family]
            columns = dict.fromkeys(key for props in nodes.values() for key in props)
            for ident, props in nodes.items():
                self.node(family, family, ident, {id_prop: ident, **{k: props.get(k) for k in columns}})
        self.flush_record_rels()
        for target in self._files.values():
            target.close()
        node_args = [str(f.path) for name, f in sorted(self._files.items()) if name.startswith("nodes-")]
        rel_args = [str(f.path) for name, f in sorted(self._files.items()) if name.startswith("rels-")]
        return node_args, rel_args


def _emit(tables: _Tables, staged: Staged) -> None:
    for statement, rows in staged.rows.items():
        emitter = _EMITTERS.get(statement)
        if emitter is None:
            raise ConfigError(f"bulk import has no CSV form for write statement {statement!r}")
        for row in rows:
            emitter(tables, row)
    tables.flush_record_rels()  # their identity includes the record: no later record can repeat them


def _fact(tables: _Tables, label: str, row: dict[str, Any], record_id: str) -> tuple[str, str]:
    props = row["props"]  # None cells stay empty: the importer writes no property, as SET does for null
    tables.node("RecordFact", f"RecordFact{_ARRAY_DELIMITER}{label}", row["key"],
                {"key": row["key"], "record_id": record_id, **props})  # fmt: skip
    return ("RecordFact", row["key"])


def _record_owned(label: str, rel_type: str) -> Callable[[_Tables, dict[str, Any]], None]:
    def emit(tables: _Tables, row: dict[str, Any]) -> None:
        fact = _fact(tables, label, row, row["record_id"])
        tables.rel(rel_type, ("RegistryRecord", row["record_id"]), fact, {})

    return emit


def _emit_records(tables: _Tables, row: dict[str, Any]) -> None:
    props = row["props"]
    tables.node("RegistryRecord", "RegistryRecord", row["record_id"], {"record_id": row["record_id"], **props})
    tables.merge_shared("Trial", row["trial_id"], {}, lambda p: p.update(
        {k: v for k, v in row["trial_props"].items() if v is not None}))  # fmt: skip
    tables.rel("RECORD_OF", ("RegistryRecord", row["record_id"]), ("Trial", row["trial_id"]),
               {"source": row["source"], "evidence": row["evidence"]})  # fmt: skip


def _emit_sponsor(tables: _Tables, row: dict[str, Any]) -> None:
    def update(props: dict[str, Any]) -> None:
        if row["agency_class"] is not None:
            props["agency_class"] = row["agency_class"]

    tables.merge_shared("Organization", row["org_key"], {"name": row["name"]}, update)
    identity = ("SPONSORED_BY", "RegistryRecord", row["record_id"], "Organization", row["org_key"], row["role"])
    tables.merge_rel(identity, {"role": row["role"], "position": row["position"]})


def _text_node(family: str, rel_type: str, extra: Callable[[dict[str, Any]], dict[str, Any]]):
    def emit(tables: _Tables, row: dict[str, Any]) -> None:
        tables.merge_shared(family, row["key"], {"name": row["name"]}, None)
        identity = (rel_type, "RegistryRecord", row["record_id"], family, row["key"])
        tables.merge_rel(identity, extra(row))

    return emit


def _emit_arm(tables: _Tables, row: dict[str, Any]) -> None:
    arm = _fact(tables, "ArmGroup", row, row["record_id"])
    tables.rel("HAS_ARM", ("RegistryRecord", row["record_id"]), arm, {})
    for key in row["intervention_keys"]:
        tables.rel("USES_INTERVENTION", arm, ("RecordFact", key), {})


def _emit_eligibility(tables: _Tables, row: dict[str, Any]) -> None:
    elig = _fact(tables, "Eligibility", row, row["record_id"])
    tables.rel("HAS_ELIGIBILITY", ("RegistryRecord", row["record_id"]), elig, {})
    for item in row["criteria"]:
        tables.rel("HAS_CRITERION", elig, _fact(tables, "Criterion", item, row["record_id"]), {})


def _emit_site(tables: _Tables, row: dict[str, Any]) -> None:
    site = _fact(tables, "Site", row, row["record_id"])
    tables.rel("HAS_SITE", ("RegistryRecord", row["record_id"]), site, {})
    if row["country"] is not None:
        tables.merge_shared("Country", row["country"], {}, None)
        tables.rel("IN_COUNTRY", site, ("Country", row["country"]), {})


def _emit_reference(tables: _Tables, row: dict[str, Any]) -> None:
    def update(props: dict[str, Any]) -> None:
        if props.get("citation") is None and row["citation"] is not None:
            props["citation"] = row["citation"]

    tables.merge_shared("Publication", row["pub_key"], {"pmid": row["pmid"]}, update)
    identity = ("HAS_REFERENCE", "RegistryRecord", row["record_id"], "Publication", row["pub_key"], row["type"])
    tables.merge_rel(identity, {"type": row["type"], "position": row["position"]})


def _mesh(rel_type: str) -> Callable[[_Tables, dict[str, Any]], None]:
    def emit(tables: _Tables, row: dict[str, Any]) -> None:
        def update(props: dict[str, Any]) -> None:
            if row["mesh_id"] is not None:
                props["mesh_id"] = row["mesh_id"]

        tables.merge_shared("MeshTerm", row["name"], {}, update)
        identity = (rel_type, "RegistryRecord", row["record_id"], "MeshTerm", row["name"], str(row["ancestor"]))
        tables.merge_rel(identity, {"ancestor": row["ancestor"], "source": "NLM"})

    return emit


def _grouped(label: str, rel_type: str) -> Callable[[_Tables, dict[str, Any]], None]:
    def emit(tables: _Tables, row: dict[str, Any]) -> None:
        fact = _fact(tables, label, row, row["record_id"])
        tables.rel(rel_type, ("RegistryRecord", row["record_id"]), fact, {})
        tables.rel("FOR_GROUP", fact, ("RecordFact", row["group_key"]), {})

    return emit


def _measures(label: str, rel_type: str) -> Callable[[_Tables, dict[str, Any]], None]:
    def emit(tables: _Tables, row: dict[str, Any]) -> None:
        measure = _fact(tables, label, row, row["record_id"])
        tables.rel(rel_type, ("RegistryRecord", row["record_id"]), measure, {})
        for value in row["values"]:
            node = _fact(tables, "MeasureValue", value, row["record_id"])
            tables.rel("HAS_VALUE", measure, node, {})
            tables.rel("FOR_GROUP", node, ("RecordFact", value["group_key"]), {})

    return emit


def _emit_claim(tables: _Tables, row: dict[str, Any]) -> None:
    tables.merge_shared("TrialId", row["trial_id"], {"registry": row["registry"]}, None)
    identity = ("CLAIMS", "RegistryRecord", row["record_id"], "TrialId", row["trial_id"], row["evidence"])
    tables.merge_rel(identity, {"evidence": row["evidence"], "relation": row["relation"]})


_EMITTERS: dict[str, Callable[[_Tables, dict[str, Any]], None]] = {
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
    "merge_id_claims": _emit_claim,
}


def _graph_is_empty(settings: Settings) -> bool:
    with connect(settings) as driver:
        return run_read(driver, "MATCH (n) RETURN count(n) > 0 AS any")[0]["any"] is False


def bulk_import(
    settings: Settings,
    loader: Loader,
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
                for item in loader.stage(paths, load_run=run_id):
                    report.read += 1
                    if isinstance(item, Quarantined):
                        report.rejected += 1
                        quarantine.add(item, run_id)
                    elif item.record_id in seen:
                        repeated.append(item)  # resolved by the transactional writer after the import
                    else:
                        seen.add(item.record_id)
                        _emit(tables, item)
                        report.written += 1
                    if on_item is not None:
                        on_item(report)
            finally:
                report.quarantine_file = quarantine.close()
            node_files, rel_files = tables.finish()
            _run_importer(settings, node_files, rel_files)
    finally:
        server.start_server(settings)  # also after a failure: leave the server as we found it
    with connect(settings) as driver:
        apply_schema(driver, database=settings.neo4j_database)
        for item in repeated:  # later duplicates: the writer keeps whichever version has precedence
            written, unchanged, superseded = write_batch(
                driver, loader, {item.record_id: item}, settings.neo4j_database
            )
            report.written += written
            report.unchanged += unchanged
            report.superseded += superseded
        report.seconds = time.monotonic() - clock
        report.finished = datetime.now(UTC).isoformat(timespec="seconds")
        record_run(driver, report, "completed (bulk import)", settings.neo4j_database)
    return report


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
