"""Server management against the real server and real failure modes: one-line errors, no default password."""

from __future__ import annotations

import socket
import stat
from pathlib import Path

import neo4j
import pytest
from pydantic import SecretStr

from trialgraph.errors import GraphError, ServerError
from trialgraph.kg import server
from trialgraph.kg.graph import connect
from trialgraph.settings import Settings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_status_reports_the_running_server(neo4j_server: Settings, neo4j_driver: neo4j.Driver) -> None:
    if not neo4j_server.uses_local_server:
        pytest.skip("tests run against an external NEO4J_URI; no local server to inspect")
    status = server.server_status(neo4j_server)
    assert status.running and status.pid is not None
    assert Path(f"/proc/{status.pid}/cmdline").read_bytes().count(b"CommunityEntryPoint") == 1
    conf = (neo4j_server.server_dir / "conf" / "neo4j.conf").read_text()
    assert "server.default_listen_address=127.0.0.1" in conf
    assert "dbms.security.auth_enabled=true" in conf
    if neo4j_server.neo4j_password is None:
        mode = stat.S_IMODE(neo4j_server.password_file.stat().st_mode)
        assert mode == 0o600


def test_port_taken_is_one_line(neo4j_server: Settings, tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        taken = sock.getsockname()[1]
        settings = Settings(home=tmp_path, bolt_port=taken, http_port=_free_port())
        with pytest.raises(ServerError, match=rf"port {taken} \(Bolt\).*already taken") as info:
            server.start_server(settings)
    assert "\n" not in str(info.value)


def test_java_missing_is_one_line(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, java="no-such-java-binary", bolt_port=_free_port(), http_port=_free_port())
    with pytest.raises(ServerError, match="Java not found") as info:
        server.start_server(settings)
    assert "\n" not in str(info.value)


def test_maven_missing_is_one_line(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, maven="no-such-mvn", bolt_port=_free_port(), http_port=_free_port())
    with pytest.raises(ServerError, match="Maven not found") as info:
        server.start_server(settings)
    assert "\n" not in str(info.value)


def test_wrong_password_is_one_line(neo4j_server: Settings, neo4j_driver: neo4j.Driver) -> None:
    wrong = neo4j_server.model_copy(update={"neo4j_uri": neo4j_server.bolt_uri, "neo4j_password": SecretStr("nope")})
    with pytest.raises(GraphError, match="refused the password") as info:
        connect(wrong)
    assert "\n" not in str(info.value)


def test_unreachable_server_names_the_fix(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, bolt_port=_free_port(), neo4j_password=SecretStr("x"))
    with pytest.raises(GraphError, match="trialgraph server start"):
        connect(settings)


def test_no_password_anywhere_is_a_config_error(tmp_path: Path) -> None:
    from trialgraph.errors import ConfigError

    settings = Settings(home=tmp_path)
    with pytest.raises(ConfigError, match="NEO4J_PASSWORD"):
        server.local_password(settings)
    generated = server.local_password(settings, create=True)
    assert len(generated) >= 24 and server.local_password(settings) == generated
    assert stat.S_IMODE(settings.password_file.stat().st_mode) == 0o600


def test_stop_without_a_server_says_so(tmp_path: Path) -> None:
    assert server.stop_server(Settings(home=tmp_path)) is False


def test_a_generated_password_never_reads_as_a_command_line_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """neo4j-admin takes a password starting with "-" for an option; token_urlsafe starts one in 64 that way."""
    monkeypatch.setattr(server.secrets, "token_urlsafe", lambda n: "-" + "A" * (n + 7))
    generated = server.local_password(Settings(home=tmp_path), create=True)
    assert not generated.startswith("-") and generated.endswith("-" + "A" * 31)
