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
import tomllib
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from trialgraph.entry import extra_for, extras_by_module

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


_BLOCK_EXTRAS = r"""
import importlib, importlib.abc, json, pkgutil, sys

blocked = set(json.loads(sys.argv[1]))

class ExtrasOnly(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in blocked:
            raise ModuleNotFoundError(f"No module named {name!r} (not in a plain install)", name=name)
        return None

sys.meta_path.insert(0, ExtrasOnly())
"""
"""Run first in a subprocess: every module in ``argv[1]`` (a JSON list) then fails to import, as in a plain install."""

_PLAIN_INSTALL_PROBE = (
    _BLOCK_EXTRAS
    + r"""
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
)


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


# A command whose extra is missing, run through the console script's entry: eval linking with the TF-IDF linker
# reads only the packaged samples (no graph), then needs scikit-learn and friends from [link].
_LINK_COMMAND_PROBE = (
    _BLOCK_EXTRAS
    + r"""
from trialgraph.demo import sample_path
from trialgraph.entry import run

sys.argv = ["trialgraph", *sys.argv[2:], "eval", "linking", "--mesh", str(sample_path("mesh-demo.nt.gz")),
            "--studies", str(sample_path()), "--no-benchmarks", "--linker", "tfidf", "--field", "conditions"]
run()
"""
)
LINK_MODULES = "joblib|numpy|scipy|sklearn|spacy|scispacy"
LINK_ERROR = r"error: this command needs the \[link\] extra: pip install 'trialgraph\[link\]' \(missing module (?:{})\)"


def _run_link_command(*options: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-c", _LINK_COMMAND_PROBE, json.dumps(sorted(_extras_only_modules())), *options]
    return subprocess.run(argv, capture_output=True, text=True, timeout=300, cwd=ROOT)


def test_a_command_whose_extra_is_missing_names_the_extra_in_one_line() -> None:
    probe = _run_link_command()
    assert probe.returncode == 1, probe.stderr[-2000:]
    assert "Traceback" not in probe.stderr and probe.stdout == ""
    (line,) = probe.stderr.strip().splitlines()
    assert re.fullmatch(LINK_ERROR.format(LINK_MODULES), line), line

    debugging = _run_link_command("--debug")  # --debug keeps the traceback, as for every other error
    assert debugging.returncode == 1 and "Traceback" in debugging.stderr
    assert "ModuleNotFoundError" in debugging.stderr.strip().splitlines()[-1]


def test_every_extras_module_maps_to_the_extra_that_installs_it() -> None:
    """The map is read from the installed metadata; each import name it derives is the distribution's own."""
    mapping = extras_by_module(metadata.requires("trialgraph") or [])
    owners = metadata.packages_distributions()
    for module in mapping:
        assert module in owners, f"{module!r} is no installed top-level module: fix entry.IMPORT_NAMES"
    # the smallest extra that lists a module itself: torch is in [ml] and [rag], pytest only in [dev]
    assert {m: extra_for(m) for m in ("sklearn", "spacy", "numpy", "datasets", "pyarrow", "fastapi")} == {
        "sklearn": "link", "spacy": "link", "numpy": "link", "datasets": "tasks", "pyarrow": "tasks",
        "fastapi": "serve",
    }  # fmt: skip
    assert (extra_for("torch"), extra_for("sentence_transformers"), extra_for("pytest")) == ("rag", "rag", "dev")
    assert extra_for("sklearn.feature_extraction.text") == "link"
    # a core dependency or TrialGraph's own module is no extra: its error is a bug and keeps its traceback
    assert (extra_for("neo4j"), extra_for("trialgraph"), extra_for(None)) == (None, None, None)


def _pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_console_script_and_python_m_run_the_entry_and_answer_help() -> None:
    declared = _pyproject()["project"]["scripts"]["trialgraph"]
    (installed,) = metadata.entry_points(group="console_scripts", name="trialgraph")
    assert declared == installed.value == "trialgraph.entry:run", "reinstall: pip install --no-deps -e ."
    script = Path(sys.executable).parent / "trialgraph"
    for argv in ([str(script), "--help"], [sys.executable, "-m", "trialgraph", "--help"]):
        answer = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=ROOT)
        assert answer.returncode == 0 and "Usage: trialgraph" in answer.stdout, (argv, answer.stderr[-2000:])


CI_PYTHON_CHECK = re.compile(r"\((\d+), (\d+)\) <= sys\.version_info\[:2\] <= \((\d+), (\d+)\)")


def test_the_declared_python_range_is_the_one_the_lock_installs_on() -> None:
    """numpy 1.26 (scispacy keeps the lock below numpy 2) ships wheels for Python 3.9-3.12 only; pyproject and
    .ci/run must not promise a Python the README's install cannot build on."""
    declared = SpecifierSet(_pyproject()["project"]["requires-python"])
    numpy = Version(_pins()["numpy"])
    if numpy.major < 2:
        assert not declared.contains("3.13"), f"numpy {numpy} has no wheels for Python 3.13: cap requires-python"
    bounds = CI_PYTHON_CHECK.search((ROOT / ".ci/run").read_text(encoding="utf-8"))
    assert bounds, ".ci/run no longer checks the Python version as (3, x) <= sys.version_info[:2] <= (3, y)"
    low, high = (int(bounds[1]), int(bounds[2])), (int(bounds[3]), int(bounds[4]))
    for minor in range(8, 16):
        assert declared.contains(f"3.{minor}") == (low <= (3, minor) <= high), f"pyproject and .ci/run on 3.{minor}"
    assert declared.contains(f"{sys.version_info[0]}.{sys.version_info[1]}")  # the suite runs on a declared one
    assert SpecifierSet(metadata.metadata("trialgraph")["Requires-Python"]) == declared, (
        "the installed metadata is stale: pip install --no-deps -e ."
    )
