"""The ``trialgraph`` console script and ``python -m trialgraph``: the CLI, with a missing extra as one line.

A plain ``pip install trialgraph`` leaves out the extras (``[link]``, ``[rag]``, ``[tasks]``, ``[serve]`` …), and
the commands that need one import it only when they run. Rather than guard every such import, :func:`run` catches
the ``ModuleNotFoundError`` once, at the entry, and names the extra that provides the missing module. The map
from module to extra is read from the installed package's own metadata (its ``Requires-Dist: …; extra == "x"``
lines, i.e. ``[project.optional-dependencies]``), so a new extra or dependency needs no edit here. A module no
extra provides (TrialGraph's own, or an undeclared dependency) is a bug and keeps its traceback.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from functools import cache
from importlib import metadata

__all__ = ["extra_for", "extras_by_module", "run"]

DISTRIBUTION = "trialgraph"
IMPORT_NAMES = {"scikit-learn": "sklearn", "pyyaml": "yaml"}
"""Distributions whose import name is not their name with ``-`` and ``.`` as ``_`` (the rest follow that rule)."""

_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?")
_EXTRA_MARKER = re.compile(r"""\bextra\s*==\s*["']([^"']+)["']""")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _import_name(distribution: str) -> str:
    canonical = _canonical(distribution)
    return IMPORT_NAMES.get(canonical, canonical.replace("-", "_"))


def _direct_requirements(requires: Iterable[str]) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    """Per extra, the (distribution, its extras) that its ``Requires-Dist`` lines name; core lines are skipped."""
    by_extra: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for line in requires:
        requirement, _, marker = line.partition(";")
        extra, name = _EXTRA_MARKER.search(marker), _NAME.match(requirement)
        if extra is None or name is None:
            continue
        extras = tuple(e.strip() for e in (name[2] or "").split(",") if e.strip())
        by_extra.setdefault(extra[1], []).append((_canonical(name[1]), extras))
    return by_extra


def _expanded(extra: str, direct: dict[str, list[tuple[str, tuple[str, ...]]]], seen: frozenset[str]) -> set[str]:
    """The distributions ``trialgraph[extra]`` installs directly, its ``trialgraph[other]`` references expanded."""
    names: set[str] = set()
    for name, extras in direct.get(extra, []):
        if name != DISTRIBUTION:
            names.add(name)
            continue
        for inner in set(extras) - seen:
            names |= _expanded(inner, direct, seen | {inner})
    return names


def extras_by_module(requires: Iterable[str]) -> dict[str, str]:
    """Top-level import name → the extra to install for it, from ``Requires-Dist`` lines.

    A module that several extras bring (torch: ``[ml]`` and ``[rag]``) maps to the one that lists it itself
    and installs the fewest distributions in all, so the advice is the smallest install that fixes the error.
    """
    direct = _direct_requirements(requires)
    size = {extra: len(_expanded(extra, direct, frozenset({extra}))) for extra in direct}
    best: dict[str, str] = {}
    for extra in sorted(direct, key=lambda e: (size[e], e)):
        for name, _extras in direct[extra]:
            if name != DISTRIBUTION:
                best.setdefault(_import_name(name), extra)
    return best


@cache
def _installed_map() -> dict[str, str]:
    try:
        return extras_by_module(metadata.requires(DISTRIBUTION) or [])
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return {}


def extra_for(module: str | None) -> str | None:
    """The extra that provides ``module`` (a dotted name is looked up by its top-level package), or None."""
    if not module:
        return None
    return _installed_map().get(module.partition(".")[0])


def _debugging() -> bool:
    from trialgraph.cli import _state

    return bool(_state["debug"])


def run() -> None:
    """Run the CLI; a module that only an extra installs ends it with one line naming that extra, and status 1."""
    from trialgraph.cli import app

    try:
        app(prog_name="trialgraph")
    except ModuleNotFoundError as error:
        module = (error.name or "").partition(".")[0]
        extra = extra_for(module)
        if extra is None or _debugging():
            raise
        advice = f"pip install 'trialgraph[{extra}]' (missing module {module})"
        print(f"error: this command needs the [{extra}] extra: {advice}", file=sys.stderr)
        raise SystemExit(1) from None
