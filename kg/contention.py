"""Two writers at once: which Neo4j errors mean "another transaction got there first", and retrying them.

Why: two ``trialgraph load`` processes on the same data (a cron update beside a manual load) used to fail one of
them: schema creation raced for the schema lock, and two transactions creating the same keyed node raced on its
uniqueness constraint ("Node … already exists"). Neither says anything about the data: run again, the loser
finds the winner's schema rule or node and does nothing. The driver's managed transactions already retry
``TransientError`` (deadlocks, lock timeouts); these are the races it does not retry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from neo4j.exceptions import Neo4jError, TransientError
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

__all__ = ["RACE_ATTEMPTS", "is_race", "retry_races"]

T = TypeVar("T")

RACE_ATTEMPTS = 6
"""Tries before a race is treated as what it says (a constraint violation is then a data error, bisected)."""

_RACE_CODES = (
    "Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists",
    "Neo.ClientError.Schema.IndexAlreadyExists",
    "Neo.ClientError.Schema.ConstraintAlreadyExists",
)
_RACE_MESSAGES = ("UpdateLock", "concurrently")  # schema lock contention, a schema changed under a statement
_CONSTRAINT_RACE = "Neo.ClientError.Schema.ConstraintValidationFailed"


def is_race(error: BaseException) -> bool:
    """Whether ``error`` is another writer's concurrent change, so the same work may simply be run again."""
    if isinstance(error, TransientError):
        return True
    if not isinstance(error, Neo4jError):
        return False
    code, message = error.code or "", str(error.message or "")
    if code in _RACE_CODES:
        return True
    if code == _CONSTRAINT_RACE and "already exists" in message:
        return True
    return any(text in message for text in _RACE_MESSAGES)


def retry_races(work: Callable[[], T], attempts: int = RACE_ATTEMPTS) -> T:
    """``work()``, run again after a short random wait while it loses a race; the last error is raised."""
    retrying = Retrying(
        retry=retry_if_exception(is_race),
        stop=stop_after_attempt(attempts),
        wait=wait_random_exponential(multiplier=0.2, max=3),
        reraise=True,
    )
    return retrying(work)
