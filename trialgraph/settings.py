"""The one settings object, read from the environment once and passed down.

Neo4j connection variables use the names Neo4j's own tools use (``NEO4J_URI``, ``NEO4J_USER``,
``NEO4J_PASSWORD``, ``NEO4J_DATABASE``); everything else is ``TRIALGRAPH_*``.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from trialgraph.errors import ConfigError

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

    # --- evaluation: the shared real data set (gold standards, PubMed samples), when there is one
    shared_data: Path | None = Field(default=None, description="TRIALGRAPH_SHARED_DATA: the shared data folder")

    # --- loading
    batch_size: int = Field(default=500, ge=1, description="studies per write transaction (500 measured best)")
    load_workers: int = Field(
        default_factory=lambda: len(os.sched_getaffinity(0)),
        ge=1,
        description="TRIALGRAPH_LOAD_WORKERS: parser processes for bulk loads (default: the usable cores)",
    )

    max_decompression_ratio: int = Field(
        default=200,
        ge=2,
        description="TRIALGRAPH_MAX_DECOMPRESSION_RATIO: a gzip stream or zip member that expands more than this "
        "many times its compressed size (past 64 MiB) is a decompression bomb and is quarantined",
    )
    max_member_mb: int = Field(
        default=512,
        ge=1,
        description="TRIALGRAPH_MAX_MEMBER_MB: the most one zip member or one whole-file record may decompress to",
    )

    # --- the HTTP API (trialgraph serve)
    api_token: SecretStr | None = Field(
        default=None,
        description="TRIALGRAPH_API_TOKEN: when set, every HTTP request must carry it as a bearer token",
    )
    api_port: int = Field(default=8765, description="TRIALGRAPH_API_PORT: the HTTP API's port on 127.0.0.1")

    # --- entity linking
    link_candidates: str = Field(
        default="",
        description="TRIALGRAPH_LINK_CANDIDATES: mention candidates for free text beyond the gazetteer, "
        "comma-separated: noun-chunks[:PIPELINE], ner:PIPELINE[#LABEL|LABEL] (a trained spaCy NER model); "
        "each is scored by the TF-IDF linker (trialgraph.models.linking.candidates)",
    )

    # --- privacy
    store_contact_details: bool = Field(
        default=False,
        description="TRIALGRAPH_STORE_CONTACT_DETAILS: also store contacts' e-mail and phone (public registry "
        "data, but personal); off, contacts keep name and role only",
    )

    @field_validator("neo4j_uri", mode="before")
    @classmethod
    def _empty_uri_means_local(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("home", mode="before")
    @classmethod
    def _absolute_home(cls, value: object) -> Path:
        """An empty or relative home would scatter server files into the working directory."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return Path.home() / ".trialgraph"
        return Path(str(value)).expanduser().resolve()

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
    """The process-wide settings (tests build their own ``Settings`` instead).

    Raises:
        ConfigError: an environment variable holds a value of the wrong type.
    """
    try:
        return Settings()
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "settings"
        raise ConfigError(f"invalid setting {where}: {first['msg']} (check TRIALGRAPH_*/NEO4J_* variables)") from None
