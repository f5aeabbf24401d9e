"""Cypher statements live in ``.cypher`` files shipped with the package; this module loads them by name."""

from __future__ import annotations

from functools import cache
from importlib import resources

from trialgraph.errors import UnknownNameError

__all__ = ["load", "load_script", "named_queries"]

_PACKAGE = "trialgraph.cypher"


@cache
def load(name: str) -> str:
    """One statement from ``cypher/<name>.cypher`` (``queries/…`` names work too)."""
    folder, _, stem = name.rpartition("/")
    package = f"{_PACKAGE}.{folder.replace('/', '.')}" if folder else _PACKAGE
    try:
        text = resources.files(package).joinpath(f"{stem}.cypher").read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError) as e:
        raise UnknownNameError(f"no Cypher file named {name!r}") from e
    return text.strip()


def load_script(name: str) -> list[str]:
    """A file of several statements separated by ``;`` at line ends (the schema)."""
    statements, current = [], []
    for line in load(name).splitlines():
        if line.strip().startswith("//") or not line.strip():
            continue
        current.append(line)
        if line.rstrip().endswith(";"):
            statements.append("\n".join(current).rstrip().rstrip(";"))
            current = []
    if current:
        statements.append("\n".join(current))
    return statements


def named_queries() -> dict[str, str]:
    """The query library in ``cypher/queries/``: name → first comment line (its description)."""
    found: dict[str, str] = {}
    for entry in sorted(resources.files(f"{_PACKAGE}.queries").iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".cypher"):
            lines = entry.read_text(encoding="utf-8").splitlines()
            found[entry.name.removesuffix(".cypher")] = lines[0].lstrip("/ ").strip() if lines else ""
    return found
