"""A whole-graph dump that two loads can be compared by: did a change to the code change the graph?

Element ids differ between two databases that hold the same graph, so each node is named by a hash of
its labels and properties, and each relationship by its type, properties and the names of its two ends.
What differs on every load by design is left out: ``LoadRun`` nodes, and the properties in
:data:`VOLATILE` (which run wrote a node, and when). The dump is a gzipped, sorted JSON-lines file, so
two dumps are compared line by line, and it stays small enough to commit beside a benchmark result.
"""

from __future__ import annotations

import gzip
import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import neo4j
import orjson

from trialgraph.kg import cypher

__all__ = ["VOLATILE", "DumpDifference", "compare_dumps", "write_dump"]

VOLATILE = frozenset({"load_run", "asserted_at"})


def _stable(props: dict[str, Any], ignored: frozenset[str]) -> dict[str, Any]:
    return {k: v for k, v in sorted(props.items()) if k not in ignored}


def _name(labels: Iterable[str], props: dict[str, Any]) -> str:
    return hashlib.sha1(orjson.dumps([sorted(labels), props], default=str)).hexdigest()


def _lines(session: neo4j.Session, ignored: frozenset[str]) -> Iterator[bytes]:
    names: dict[str, str] = {}
    for record in session.run(cypher.load("read/dump_nodes")):
        labels, props = sorted(record["labels"]), _stable(record["props"], ignored)
        names[record["id"]] = _name(labels, props)
        yield orjson.dumps({"node": labels, "props": props}, default=str, option=orjson.OPT_SORT_KEYS)
    for record in session.run(cypher.load("read/dump_relationships")):
        yield orjson.dumps(
            {
                "rel": record["type"],
                "from": names[record["start"]],
                "to": names[record["end"]],
                "props": _stable(record["props"], ignored),
            },
            default=str,
            option=orjson.OPT_SORT_KEYS,
        )


def write_dump(driver: neo4j.Driver, path: Path, *, database: str = "neo4j", ignored: frozenset[str] = VOLATILE) -> int:
    """Write the sorted dump of the graph to ``path`` (gzip); returns the number of lines.

    The lines are sorted in memory: a dump of the full shared data set is a few hundred MB of lines,
    which this machine's memory holds; sorting on disk is the next step if graphs outgrow it.
    """
    with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS) as session:
        lines = sorted(_lines(session, ignored))
    with gzip.open(path, "wb") as out:
        for line in lines:
            out.write(line + b"\n")
    return len(lines)


@dataclass(frozen=True, slots=True)
class DumpDifference:
    """Lines only in the first dump and only in the second, counted by node label set or relationship type."""

    only_in_first: Counter[str] = field(default_factory=Counter)
    only_in_second: Counter[str] = field(default_factory=Counter)
    examples: tuple[str, ...] = ()

    @property
    def identical(self) -> bool:
        return not self.only_in_first and not self.only_in_second


def _kind(line: bytes) -> str:
    item = orjson.loads(line)
    return item["rel"] if "rel" in item else ":".join(item["node"])


def _read(path: Path) -> Counter[bytes]:
    with gzip.open(path, "rb") as handle:
        return Counter(line.rstrip(b"\n") for line in handle)


def compare_dumps(first: Path, second: Path, *, examples: int = 5) -> DumpDifference:
    """What differs between two dumps, as counts by kind and a few example lines from each side."""
    a, b = _read(first), _read(second)
    left, right = a - b, b - a
    shown = [f"- {line.decode()[:300]}" for line in sorted(left)[:examples]]
    shown += [f"+ {line.decode()[:300]}" for line in sorted(right)[:examples]]
    return DumpDifference(
        Counter(_kind(line) for line in left.elements()),
        Counter(_kind(line) for line in right.elements()),
        tuple(shown),
    )
