"""Packaging cannot drop code: the built wheel holds every module and data file of the package's folders.

``pyproject.toml`` maps the design's top-level folders (``kg/``, ``loaders/``, ``cypher/``, ``models/``) into
the one namespace ``trialgraph``. A folder or data file that the packaging rules miss would install
nowhere and fail only on a user's machine, so the wheel is built (offline, with the locked setuptools)
and compared with the tree.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"trialgraph": "trialgraph", "kg": "trialgraph/kg", "loaders": "trialgraph/loaders",
           "cypher": "trialgraph/cypher", "models": "trialgraph/models"}  # fmt: skip
SKIPPED_PARTS = {"__pycache__"}


def _tree_files() -> dict[str, Path]:
    """Every file under the package folders, by the path it must have inside the wheel."""
    expected = {}
    for folder, target in FOLDERS.items():
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and not SKIPPED_PARTS & set(path.parts) and path.suffix != ".pyc":
                expected[f"{target}/{path.relative_to(ROOT / folder).as_posix()}"] = path
    return expected


def test_the_wheel_holds_every_module_and_data_file(tmp_path: Path) -> None:
    build = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    (wheel,) = tmp_path.glob("trialgraph-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        inside = set(archive.namelist())
        expected = _tree_files()
        missing = sorted(set(expected) - inside)
        assert not missing, f"the wheel leaves out {missing}"
        for name, path in expected.items():
            assert archive.read(name) == path.read_bytes(), f"{name} differs from the tree"
    assert len(expected) > 150 and any(name.endswith(".cypher") for name in expected)
