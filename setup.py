"""Package discovery for the design's layout: no hand-kept package lists.

The design fixes top-level folders (``kg/``, ``loaders/``, ``cypher/``, ``models/``) beside the
``trialgraph/`` package, and installs them as subpackages of the one namespace ``trialgraph``. Every
folder under those roots that has an ``__init__.py`` is a package, and every other file in it (Cypher,
CSV, HTML, samples) is its package data, so a new ``loaders/<source>/`` folder or a new data file ships
without editing anything here. ``tests/test_wheel.py`` builds the wheel and checks this.
Metadata and dependencies stay in ``pyproject.toml``.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup

HERE = Path(__file__).parent
ROOTS = {"trialgraph": "trialgraph", "trialgraph.kg": "kg", "trialgraph.loaders": "loaders",
         "trialgraph.cypher": "cypher", "trialgraph.models": "models"}  # fmt: skip
SKIPPED = {"__pycache__"}


def discover() -> tuple[list[str], dict[str, list[str]]]:
    """Every package under the roots, and the non-Python files each one carries."""
    packages: list[str] = []
    package_data: dict[str, list[str]] = {}
    for root_package, folder in ROOTS.items():
        for init in sorted((HERE / folder).rglob("__init__.py")):
            directory = init.parent
            relative = directory.relative_to(HERE / folder)
            if SKIPPED & set(relative.parts):
                continue
            name = ".".join((root_package, *relative.parts))
            packages.append(name)
            data = sorted(p.name for p in directory.iterdir() if p.is_file() and p.suffix not in {".py", ".pyc"})
            if data:
                package_data[name] = data
    return packages, package_data


PACKAGES, PACKAGE_DATA = discover()

setup(packages=PACKAGES, package_dir=dict(ROOTS), package_data=PACKAGE_DATA)
