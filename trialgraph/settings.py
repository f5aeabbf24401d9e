"""The one settings object, read from the environment once and passed down.

Neo4j connection variables use the names Neo4j's own tools use (``NEO4J_URI``, ``NEO4J_USER``,
``NEO4J_PASSWORD``, ``NEO4J_DATABASE``); everything else is ``TRIALGRAPH_*``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


def _env(name: str) -> AliasChoices:
    return AliasChoices(name, f"TRIALGRAPH_{name}")


class Settings(BaseSettings):
    """Where the graph lives and how TrialGraph's own Neo4j server is sized."""

    model_config = SettingsConfigDict(env_prefix="TRIALGRAPH_", extra="ignore", populate_by_name=True)

    # --- connection: unset NEO4J_URI means "the local server that `trialgraph server` manages"
    neo4j_uri: str | None = Field(default=None, validation_alias=_env("NEO4J_URI"))
    neo4j_user: str = Field(default="neo4j", validation_alias=_env("NEO4J_USER"))
    neo4j_password: SecretStr | None = Field(default=None, validation_alias=_env("NEO4J_PASSWORD"))
    neo4j_database: str = Field(default="neo4j", validation_alias=_env("NEO4J_DATABASE"))

    # --- the local server
    home: Path = Field(default=Path.home() / ".trialgraph", description="state folder: server, data, logs, quarantine")
    neo4j_version: str = "5.26.19"
    apoc_version: str = "5.26.19"
    browser_version: str = "5.24.0"
    bolt_port: int = 7687
    http_port: int = 7474
    heap_size: str = Field(default="3g", description="JVM heap; 2-core 24 GB machine default")
    pagecache_size: str = Field(default="4g", description="Neo4j page cache")
    start_timeout_s: float = 180.0
    maven: str = "mvn"
    java: str = "java"

    # --- loading
    batch_size: int = Field(default=200, ge=1, description="studies per write transaction")

    @property
    def server_dir(self) -> Path:
        return self.home / "neo4j"

    @property
    def password_file(self) -> Path:
        return self.home / "neo4j-password"

    @property
    def quarantine_dir(self) -> Path:
        return self.home / "quarantine"

    @property
    def uses_local_server(self) -> bool:
        return self.neo4j_uri is None

    @property
    def bolt_uri(self) -> str:
        return self.neo4j_uri or f"bolt://127.0.0.1:{self.bolt_port}"

    @property
    def browser_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/browser/"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own ``Settings`` instead)."""
    return Settings()
