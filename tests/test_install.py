"""Installs that work on any day: the committed lock is complete and is what runs, and a plain install works.

The README's commands install ``-c constraints.txt``; these tests check, without the network, that

* the environment running the suite holds exactly the versions the lock names (so CI tests the lock),
* the lock pins every distribution that ``trialgraph[dev]`` needs, transitively (a new dependency that was not
  re-locked fails here, not on a user's machine some later day),
* with every distribution that only the extras bring made unimportable, each module of the package imports
  and every CLI command answers ``--help``: what ``pip install trialgraph`` without extras gives.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "constraints.txt"
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)\s*$")


def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        match = PIN.match(line)
        assert match, f"constraints.txt: not an exact pin: {line!r}"
        pins[canonicalize_name(match[1])] = match[2]
    return pins


def _closure(extras: frozenset[str]) -> set[str]:
    """Every distribution that trialgraph with ``extras`` needs on this interpreter, by canonical name."""
    seen: set[str] = set()
    pending: list[tuple[str, frozenset[str]]] = [("trialgraph", extras)]
    while pending:
        name, wanted = pending.pop()
        for text in metadata.requires(name) or []:
            requirement = Requirement(text)
            environments = [{**default_environment(), "extra": extra} for extra in (*wanted, "")]
            if requirement.marker and not any(requirement.marker.evaluate(env) for env in environments):
                continue
            key = canonicalize_name(requirement.name)
            if key == "trialgraph":  # a self-reference such as trialgraph[ontology]
                pending.append(("trialgraph", frozenset(requirement.extras)))
                continue
            if key not in seen:
                seen.add(key)
                pending.append((requirement.name, frozenset(requirement.extras)))
    return seen


def test_the_lock_holds_only_exact_pins_and_pins_every_dependency() -> None:
    pins = _pins()
    missing = _closure(frozenset({"dev"})) - set(pins)
    assert not missing, f"constraints.txt lacks {sorted(missing)}: run `bash .ci/relock`"


def test_the_suite_runs_on_the_locked_versions() -> None:
    pins = _pins()
    drift = {
        name: (pinned, metadata.version(name)) for name, pinned in pins.items() if metadata.version(name) != pinned
    }
    assert not drift, f"installed versions differ from constraints.txt (pinned, installed): {drift}"


_PLAIN_INSTALL_PROBE = r"""
import importlib, importlib.abc, json, pkgutil, sys

blocked = set(json.loads(sys.argv[1]))

class ExtrasOnly(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in blocked:
            raise ModuleNotFoundError(f"No module named {name!r} (not in a plain install)", name=name)
        return None

sys.meta_path.insert(0, ExtrasOnly())
imported = 0
for root in ("trialgraph", "trialgraph.kg", "trialgraph.loaders", "trialgraph.cypher", "trialgraph.models"):
    package = importlib.import_module(root)  # the design's folders, mapped in by package-dir
    for module in pkgutil.walk_packages(package.__path__, root + "."):
        if not module.name.endswith(".__main__"):  # runs the CLI on import
            importlib.import_module(module.name)
            imported += 1

import typer.main
from typer.testing import CliRunner
from trialgraph.cli import app

command = typer.main.get_command(app)
paths = [[]]
paths += [[name] for name in command.commands]
paths += [[name, sub] for name, group in command.commands.items() for sub in getattr(group, "commands", {})]
failures = []
for path in paths:
    result = CliRunner().invoke(app, [*path, "--help"])
    if result.exit_code != 0 or "Usage" not in result.output:
        failures.append((path, result.exit_code, result.output[-300:], repr(result.exception)))
print(json.dumps({"modules": imported, "commands": len(paths), "failures": failures}))
"""


def _extras_only_modules() -> set[str]:
    """Top-level import names of distributions that only ``[dev]`` (or other extras) brings in."""
    extras_only = _closure(frozenset({"dev"})) - _closure(frozenset())
    modules = set()
    for module, distributions in metadata.packages_distributions().items():
        if {canonicalize_name(d) for d in distributions} <= extras_only and not module.startswith("_"):
            modules.add(module)
    return modules


def test_a_plain_install_imports_every_module_and_every_command_answers_help() -> None:
    blocked = _extras_only_modules()
    assert {"pytest", "hypothesis", "selenium"} <= blocked  # the probe really hides the dev tools
    probe = subprocess.run(
        [sys.executable, "-c", _PLAIN_INSTALL_PROBE, json.dumps(sorted(blocked))],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    if probe.returncode != 0:
        pytest.fail(f"plain install probe failed:\n{probe.stderr[-2000:]}")
    outcome = json.loads(probe.stdout.strip().splitlines()[-1])
    assert outcome["modules"] >= 100 and outcome["commands"] >= 10
    assert outcome["failures"] == []
