"""The local Neo4j Community server: provisioned from Maven Central, configured, started and stopped by pid.

Why Maven: the machines TrialGraph targets reach package registries but not arbitrary download
sites, and the ``org.neo4j:neo4j`` artifacts carry the community server's entry point. The server runs
as ``java -cp lib/* org.neo4j.server.CommunityEntryPoint`` with a ``neo4j.conf`` we write, bound to
127.0.0.1 only, with auth on and a password generated once and kept with 0600 permissions.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from trialgraph.errors import ConfigError, ServerError
from trialgraph.kg import browser
from trialgraph.settings import Settings

__all__ = ["ServerStatus", "local_password", "provision", "server_logs", "server_status", "start_server", "stop_server"]

log = logging.getLogger(__name__)

_ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
_ADMIN_TOOL = "org.neo4j.cli.AdminTool"


@dataclass(frozen=True, slots=True)
class ServerStatus:
    running: bool
    pid: int | None
    bolt_uri: str
    browser_url: str
    version: str
    home: Path


def _paths(settings: Settings) -> dict[str, Path]:
    root = settings.server_dir
    return {
        "root": root,
        "lib": root / f"lib-{settings.neo4j_version}",
        "plugins": root / "plugins",
        "conf": root / "conf",
        "data": root / "data",
        "logs": root / "logs",
        "run": root / "run",
        "maven": root / "maven",
        "browser": root / "browser",  # the neo4j-browser jar with TrialGraph's guide and style (kg/browser)
        "browser_dist": root / "browser-dist",  # the jar as Maven fetched it, kept off the classpath
    }


def local_password(settings: Settings, *, create: bool = False) -> str:
    """The password of the local server: from the environment, else the one generated at first start."""
    if settings.neo4j_password is not None:
        return settings.neo4j_password.get_secret_value()
    path = settings.password_file
    if path.exists():
        return path.read_text().strip()
    if not create:
        raise ConfigError(
            f"no Neo4j password: set NEO4J_PASSWORD, or run `trialgraph server start` to generate one in {path}"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    # neo4j-admin reads a password that starts with "-" as an option (token_urlsafe gives one in 64 such):
    # a letter prefix keeps the first start from failing at random.
    password = "tg" + secrets.token_urlsafe(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password + "\n")
    return password


def _require_tool(command: str, what: str, hint: str) -> str:
    found = shutil.which(command)
    if not found:
        raise ServerError(f"{what} not found on PATH (`{command}`); {hint}")
    return found


def _check_java(settings: Settings) -> str:
    java = _require_tool(settings.java, "Java", "install a JDK 17 or 21 (e.g. apt-get install openjdk-17-jre-headless)")
    out = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    match = re.search(r'version "(\d+)', out.stderr + out.stdout)
    if match and int(match.group(1)) < 17:
        raise ServerError(f"Neo4j {settings.neo4j_version} needs Java 17 or newer; `{java}` is Java {match.group(1)}")
    return java


def provision(settings: Settings) -> Path:
    """Fetch the server's jars with Maven once; later calls reuse the cache folder.

    Returns:
        The folder holding the server's classpath.
    """
    paths = _paths(settings)
    lib = paths["lib"]
    marker = lib / ".complete"
    if marker.exists():
        return lib
    mvn = _require_tool(settings.maven, "Maven", "install Maven 3.6+ (e.g. apt-get install maven)")
    paths["maven"].mkdir(parents=True, exist_ok=True)
    lib = lib.resolve()
    template = resources.files("trialgraph.kg").joinpath("neo4j-pom.xml").read_text()
    pom = template.format(
        neo4j_version=settings.neo4j_version,
        browser_version=settings.browser_version,
        apoc_version=settings.apoc_version,
    )
    (paths["maven"] / "pom.xml").write_text(pom)
    staging = lib.with_name(lib.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    log.info("fetching Neo4j %s from Maven Central into %s", settings.neo4j_version, lib)
    result = subprocess.run(
        [mvn, "-q", "-B", "dependency:copy-dependencies", f"-DoutputDirectory={staging}", "-DincludeScope=runtime"],
        cwd=paths["maven"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        errors = [line for line in (result.stdout + result.stderr).splitlines() if "ERROR" in line]
        raise ServerError(f"Maven could not fetch Neo4j {settings.neo4j_version}: {(errors or ['see mvn output'])[0]}")
    # APOC is a plugin: it goes to plugins/, not on the server classpath.
    paths["plugins"].mkdir(parents=True, exist_ok=True)
    for jar in staging.glob("apoc-*.jar"):
        shutil.move(str(jar), paths["plugins"] / jar.name)
    shutil.rmtree(lib, ignore_errors=True)
    staging.rename(lib)
    marker.write_text(settings.neo4j_version + "\n")
    return lib


SECURITY_SETTINGS: dict[str, str] = {
    # Only the APOC namespaces TrialGraph's queries use; nothing that reads files or URLs.
    "dbms.security.procedures.allowlist": "apoc.coll.*,apoc.convert.*,apoc.map.*,apoc.meta.*,apoc.text.*,"
    "apoc.util.*,apoc.version",
    "dbms.security.procedures.unrestricted": "apoc.meta.stats",  # reads the count store for `stats`
    "dbms.security.allow_csv_import_from_file_urls": "false",
}
"""What the server may reach beyond its own store; ``docker-compose.yml`` states the same (a test compares)."""


def _write_conf(settings: Settings) -> Path:
    paths = _paths(settings)
    for key in ("conf", "data", "logs", "run", "plugins"):
        paths[key].mkdir(parents=True, exist_ok=True)
    conf = {
        "server.default_listen_address": "127.0.0.1",
        "server.default_advertised_address": "127.0.0.1",
        "server.bolt.listen_address": f"127.0.0.1:{settings.bolt_port}",
        "server.http.listen_address": f"127.0.0.1:{settings.http_port}",
        # Advertised as configured: otherwise a routing client is sent to 127.0.0.1:7687, whatever runs there.
        "server.bolt.advertised_address": f"127.0.0.1:{settings.bolt_port}",
        "server.http.advertised_address": f"127.0.0.1:{settings.http_port}",
        "server.https.enabled": "false",
        "dbms.security.auth_enabled": "true",
        "server.directories.data": str(paths["data"]),
        "server.directories.logs": str(paths["logs"]),
        "server.directories.plugins": str(paths["plugins"]),
        "server.directories.run": str(paths["run"]),
        "server.memory.heap.initial_size": settings.heap_size,
        "server.memory.heap.max_size": settings.heap_size,
        "server.memory.pagecache.size": settings.pagecache_size,
        "db.tx_log.rotation.retention_policy": "2 files",
        **SECURITY_SETTINGS,
        "dbms.usage_report.enabled": "false",
        # Neo4j Browser: apply TrialGraph's style and open its guide on connect; both are served from
        # Browser's own origin (see trialgraph.kg.browser), which must be allow-listed by name.
        "browser.post_connect_cmd": browser.post_connect_command(settings.http_port),
        "browser.remote_content_hostname_whitelist": "127.0.0.1,localhost",
        "client.allow_telemetry": "false",
    }
    path = paths["conf"] / "neo4j.conf"
    path.write_text(
        "# Written by `trialgraph server start`; edit settings through TRIALGRAPH_* variables.\n"
        + "".join(f"{k}={v}\n" for k, v in conf.items())
    )
    return path


def _install_browser(paths: dict[str, Path], lib: Path) -> Path:
    """Swap the Maven-fetched neo4j-browser jar for one that also serves TrialGraph's guide and style."""
    paths["browser_dist"].mkdir(parents=True, exist_ok=True)
    for jar in lib.glob("neo4j-browser-*.jar"):
        shutil.move(str(jar), paths["browser_dist"] / jar.name)
    originals = sorted(paths["browser_dist"].glob("neo4j-browser-*.jar"))
    if not originals:
        raise ServerError(f"the neo4j-browser jar is missing from {paths['browser_dist']}; delete {lib} to fetch again")
    return browser.build_browser_jar(originals[-1], paths["browser"])


def _pid_file(settings: Settings) -> Path:
    return _paths(settings)["run"] / "trialgraph-neo4j.pid"


def _our_pid(settings: Settings) -> int | None:
    """The pid we started, if that process still runs and is still our Neo4j (pids get reused)."""
    pid_file = _pid_file(settings)
    if not pid_file.exists():
        return None
    try:
        pid = int(pid_file.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except (ValueError, OSError):
        return None
    if _ENTRY_POINT in cmdline and str(settings.server_dir) in cmdline:
        return pid
    return None


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def _port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _last_log_line(settings: Settings) -> str:
    for name in ("console.log", "neo4j.log"):
        path = _paths(settings)["logs"] / name
        if path.exists():
            lines = [ln for ln in path.read_text(errors="replace").splitlines() if ln.strip()]
            errors = [ln for ln in lines if "ERROR" in ln or "Exception" in ln]
            if errors or lines:
                return (errors or lines)[-1][:300]
    return "no log output"


def start_server(settings: Settings) -> ServerStatus:
    """Provision if needed, then start the server in the background and wait until Bolt answers.

    Raises:
        ServerError: Java or Maven missing, a port taken, the server exiting or not answering in time.
        ConfigError: NEO4J_URI names another server, or the password does not open this data folder.
    """
    try:
        return _start_server(settings)
    except OSError as e:
        raise ServerError(f"could not start Neo4j under {settings.server_dir}: {e.strerror or e}") from e


def _start_server(settings: Settings) -> ServerStatus:
    if not settings.uses_local_server:
        raise ConfigError(f"NEO4J_URI is set ({settings.neo4j_uri}): TrialGraph uses that server, not a local one")
    if (pid := _our_pid(settings)) is not None:
        log.info("Neo4j already running (pid %s)", pid)
        return server_status(settings)
    java = _check_java(settings)
    for port, what in ((settings.bolt_port, "Bolt"), (settings.http_port, "HTTP")):
        if _port_in_use(port):
            raise ServerError(
                f"port {port} ({what}) on 127.0.0.1 is already taken by another process; stop it or set "
                f"TRIALGRAPH_{'BOLT' if what == 'Bolt' else 'HTTP'}_PORT"
            )
    lib = provision(settings)
    conf = _write_conf(settings)
    paths = _paths(settings)
    _install_browser(paths, lib)
    env = {**os.environ, "NEO4J_HOME": str(paths["root"]), "NEO4J_CONF": str(paths["conf"])}
    # Like the neo4j launcher script: plugins are on the classpath too, so their extension factories load.
    classpath = f"{lib}/*:{paths['browser']}/*:{paths['plugins']}/*"
    first_start = not (paths["data"] / "databases" / "system").exists()
    if first_start:
        password = local_password(settings, create=True)
        result = subprocess.run(
            [java, "-cp", classpath, _ADMIN_TOOL, "dbms", "set-initial-password", password],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise ServerError(
                f"could not set the initial Neo4j password: {(result.stderr or result.stdout).strip()[:300]}"
            )
    argv = [
        java, f"-Xms{settings.heap_size}", f"-Xmx{settings.heap_size}", "-XX:+UseG1GC",
        "-XX:+ExitOnOutOfMemoryError", "-Djdk.tls.ephemeralDHKeySize=2048",
        "--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
        "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
        "-cp", classpath, _ENTRY_POINT, f"--home-dir={paths['root']}", f"--config-dir={conf.parent}",
    ]  # fmt: skip
    # posix_spawn with setsid: the server outlives this process and is tracked by its pid file alone.
    console = str(paths["logs"] / "console.log")
    pid = os.posix_spawn(
        java,
        argv,
        env,
        file_actions=[
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, console, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644),
            (os.POSIX_SPAWN_DUP2, 1, 2),
        ],
        setsid=True,
    )
    _pid_file(settings).write_text(f"{pid}\n")
    deadline = time.monotonic() + settings.start_timeout_s
    while time.monotonic() < deadline:
        exited, status = os.waitpid(pid, os.WNOHANG)
        if exited:
            _pid_file(settings).unlink(missing_ok=True)
            code = os.waitstatus_to_exitcode(status)
            raise ServerError(f"Neo4j exited during start (code {code}): {_last_log_line(settings)}")
        if _port_answers(settings.bolt_port) and _port_answers(settings.http_port):
            _check_password(settings)
            return server_status(settings)
        time.sleep(0.5)
    stop_server(settings, timeout_s=20)  # do not leave a half-started server holding the pid file
    raise ServerError(
        f"Neo4j did not answer on Bolt within {settings.start_timeout_s:.0f}s; see `trialgraph server logs`"
    )


def _check_password(settings: Settings) -> None:
    """Fail at start, not at the next command, when NEO4J_PASSWORD is not the one this data folder was set up with."""
    from neo4j import GraphDatabase
    from neo4j.exceptions import AuthError, Neo4jError

    try:
        with GraphDatabase.driver(settings.bolt_uri, auth=(settings.neo4j_user, local_password(settings))) as driver:
            driver.verify_connectivity()
    except AuthError as e:
        raise ConfigError(
            f"Neo4j started but refused the password for {settings.neo4j_user!r}: NEO4J_PASSWORD differs from the one "
            f"{settings.server_dir / 'data'} was created with"
        ) from e
    except Neo4jError:
        return  # still warming up: the next command will say more


def stop_server(settings: Settings, timeout_s: float = 60.0) -> bool:
    """Stop exactly the server this project started. Returns False when none was running."""
    pid = _our_pid(settings)
    if pid is None:
        _pid_file(settings).unlink(missing_ok=True)
        return False
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        _pid_file(settings).unlink(missing_ok=True)
        return False
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists() and _is_alive(pid):
        time.sleep(0.3)
    if _is_alive(pid):
        log.warning("Neo4j (pid %s) did not stop within %.0fs; killing it", pid, timeout_s)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    _pid_file(settings).unlink(missing_ok=True)
    return True


def _is_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def server_status(settings: Settings) -> ServerStatus:
    pid = _our_pid(settings) if settings.uses_local_server else None
    return ServerStatus(
        running=pid is not None and _port_answers(settings.bolt_port),
        pid=pid,
        bolt_uri=settings.bolt_uri,
        browser_url=settings.browser_url,
        version=settings.neo4j_version,
        home=settings.server_dir,
    )


def server_logs(settings: Settings, lines: int = 50) -> list[str]:
    """The last lines of the server's own log (neo4j.log), else of the console output."""
    logs = _paths(settings)["logs"]
    for name in ("neo4j.log", "console.log"):
        path = logs / name
        if path.exists():
            return path.read_text(errors="replace").splitlines()[-lines:]
    return []
