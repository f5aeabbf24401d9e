"""The typed synthetic trial: the fields of a study record, an outcome label, a rationale, and its provenance.

A generator's reply is validated into :class:`SyntheticTrial` or rejected with a one-line reason; nothing
half-valid is kept. The ``id`` is ``synthetic:`` plus a content hash, so a synthetic trial can never be taken for a
registry id, and the same content always gets the same id (a rerun is idempotent).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from trialgraph.model.phases import normalize_phase

__all__ = [
    "LABELS",
    "SYNTHETIC_PREFIX",
    "Provenance",
    "SyntheticArm",
    "SyntheticDesign",
    "SyntheticIntervention",
    "SyntheticTrial",
    "validate_design",
]

SYNTHETIC_PREFIX = "synthetic:"
LABELS = ("success", "failure")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, frozen=True)


class SyntheticIntervention(_Strict):
    name: str = Field(min_length=2, max_length=200)
    type: str = Field(default="DRUG", max_length=40)


class SyntheticArm(_Strict):
    label: str = Field(min_length=1, max_length=200)
    type: str | None = Field(default=None, max_length=40)
    description: str | None = Field(default=None, max_length=1000)


class SyntheticDesign(_Strict):
    """What the generator must write: the study-record fields, checked for type, length and plausibility."""

    title: str = Field(min_length=10, max_length=400)
    phase: str
    conditions: list[str] = Field(min_length=1, max_length=10)
    interventions: list[SyntheticIntervention] = Field(min_length=1, max_length=10)
    arms: list[SyntheticArm] = Field(min_length=1, max_length=8)
    inclusion_criteria: list[str] = Field(min_length=1, max_length=40)
    exclusion_criteria: list[str] = Field(default_factory=list, max_length=40)
    primary_endpoints: list[str] = Field(min_length=1, max_length=10)
    enrollment: int = Field(ge=1, le=100_000)

    @field_validator("phase", mode="before")
    @classmethod
    def _phase(cls, value: Any) -> str:
        return normalize_phase(str(value))

    @field_validator("conditions", "inclusion_criteria", "exclusion_criteria", "primary_endpoints", mode="before")
    @classmethod
    def _strings(cls, value: Any) -> Any:
        # a single string where a list is asked for is one item, not a list of characters
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list):
            value = [str(v).strip() for v in value if isinstance(v, str | int | float) and str(v).strip()]
        return value

    @field_validator("interventions", mode="before")
    @classmethod
    def _interventions(cls, value: Any) -> Any:
        return _as_objects(value, "name")

    @field_validator("arms", mode="before")
    @classmethod
    def _arms(cls, value: Any) -> Any:
        return _as_objects(value, "label")


def _as_objects(value: Any, key: str) -> Any:
    """A bare name (or one object) where a list of objects is asked for: ``"placebo"`` → ``[{key: "placebo"}]``."""
    if isinstance(value, str | dict):
        value = [value]
    if isinstance(value, list):
        value = [{key: v} if isinstance(v, str) else v for v in value]
    return value


class Provenance(_Strict):
    """Who made a synthetic record and from what: enough to regenerate it or to discard a whole batch."""

    generator: str
    generator_version: str
    prompt_version: str
    seed: int
    software_version: str
    grounded_on: list[str]  # ids of the real trials shown to the generator
    label_source: str  # where the real trials' outcome labels came from
    seed_trial: str | None = None  # the real trial the seed was taken from, if any (an evaluation must exclude it)
    created: str


class SyntheticTrial(_Strict):
    id: str
    design: SyntheticDesign
    label: Literal["success", "failure"]
    rationale: str
    cited_trials: list[str]
    seed_description: str
    provenance: Provenance

    @classmethod
    def make(cls, design: SyntheticDesign, **fields: Any) -> SyntheticTrial:
        digest = hashlib.sha256(
            json.dumps([design.model_dump(), fields.get("label")], sort_keys=True).encode()
        ).hexdigest()[:16]
        return cls(id=f"{SYNTHETIC_PREFIX}{digest}", design=design, **fields)

    def as_row(self) -> dict[str, Any]:
        """One JSON line: the design flat (what outcome readers and loaders read), plus label and provenance."""
        row = {"id": self.id, **self.design.model_dump()}
        row |= {
            "label": self.label,
            "rationale": self.rationale,
            "cited_trials": self.cited_trials,
            "seed": self.seed_description,
            "provenance": self.provenance.model_dump(),
        }
        return row


def validate_design(data: Any) -> tuple[SyntheticDesign | None, str | None]:
    """The design, or ``None`` and the first problem in one line (``enrollment: Input should be …``)."""
    if not isinstance(data, dict):
        return None, f"not a JSON object ({type(data).__name__})"
    try:
        return SyntheticDesign.model_validate(data), None
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "record"
        return None, f"{where}: {first['msg']}"
