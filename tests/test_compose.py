"""Tests for ``docker-compose.yml``: the local Neo4j is pinned, loopback-only and has no built-in password."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from typing import Any

import pytest
import yaml

from tests.data import REPO_ROOT
from trialgraph.kg.server import SECURITY_SETTINGS

COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"


@pytest.fixture(scope="module")
def neo4j() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert list(document["services"]) == ["neo4j"]
    return document["services"]["neo4j"]


def test_image_is_neo4j_5_26_community(neo4j: dict[str, Any]) -> None:
    from trialgraph.settings import Settings

    # the same Neo4j version as `trialgraph server` provisions
    assert neo4j["image"] == f"neo4j:{Settings.model_fields['neo4j_version'].default}-community"


def test_ports_are_bound_to_loopback_only(neo4j: dict[str, Any]) -> None:
    assert sorted(neo4j["ports"]) == ["127.0.0.1:7474:7474", "127.0.0.1:7687:7687"]


def test_password_comes_from_the_environment_with_no_default(neo4j: dict[str, Any]) -> None:
    auth = neo4j["environment"]["NEO4J_AUTH"]
    assert auth == "neo4j/${NEO4J_PASSWORD:?set NEO4J_PASSWORD}"
    # `${VAR:?msg}` fails when unset; `${VAR:-x}` / `${VAR-x}` would silently supply a password.
    assert not re.search(r"\$\{NEO4J_PASSWORD:?-", auth)
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    assert re.findall(r"NEO4J_AUTH\s*[:=]\s*(\S+)", text) == ["neo4j/${NEO4J_PASSWORD:?set"]


def test_apoc_plugin_is_requested(neo4j: dict[str, Any]) -> None:
    assert yaml.safe_load(neo4j["environment"]["NEO4J_PLUGINS"]) == ["apoc"]


def test_file_and_url_access_is_what_trialgraph_server_allows(neo4j: dict[str, Any]) -> None:
    """The same APOC surface and no file URLs for LOAD CSV, in the image's naming (``.`` → ``_``, ``_`` → ``__``)."""
    stated = {
        key.removeprefix("NEO4J_"): value
        for key, value in neo4j["environment"].items()
        if key.startswith("NEO4J_dbms_security")
    }
    expected = {key.replace("_", "__").replace(".", "_"): value for key, value in SECURITY_SETTINGS.items()}
    assert stated == expected


def test_healthcheck_probes_the_server(neo4j: dict[str, Any]) -> None:
    check = neo4j["healthcheck"]
    command = " ".join(check["test"]) if isinstance(check["test"], list) else check["test"]
    assert "7474" in command or "cypher-shell" in command
    assert int(check["retries"]) >= 1


def test_data_and_logs_live_in_named_volumes(neo4j: dict[str, Any]) -> None:
    document = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    mounts = dict(volume.split(":", 1) for volume in neo4j["volumes"])
    assert mounts["neo4j-data"] == "/data"
    assert mounts["neo4j-logs"] == "/logs"
    assert set(mounts) <= set(document["volumes"])


def _compose_works() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def test_docker_compose_accepts_the_file() -> None:
    if not _compose_works():
        pytest.skip("`docker compose version` is not available or failed on this machine")
    env = {**os.environ, "NEO4J_PASSWORD": "test-only-password"}
    result = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE_FILE), "config", "-q"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
