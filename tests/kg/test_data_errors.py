"""Which Neo4j failures are a record's fault: ``kg.writer.is_data_error`` on the errors the driver raises.

A data error makes the writer bisect the batch and quarantine the records Neo4j refused; anything else (a
transient error, a permission, our own Cypher, a lost server) must not be blamed on a record. The errors are
built the way the driver builds them from a server's FAILURE message (``Neo4jError._hydrate_gql``, which
the driver's Bolt 5.7+ connections call, Neo4j 5.26's protocol), so each gets the class and code a real
failure would have.
"""

from __future__ import annotations

import pytest
from neo4j.exceptions import (
    AuthError,
    ClientError,
    CypherSyntaxError,
    CypherTypeError,
    DatabaseError,
    DatabaseUnavailable,
    Forbidden,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from trialgraph.kg.writer import is_data_error

TOO_LARGE = (
    "Property value is too large to index, please see index documentation for limitations. "
    "Index: Index( id=7, name='keyword_name', type='RANGE', schema=(:Keyword {name}) ), entity id: 42, "
    "property size: 10009."
)


def _server_error(code: str, message: str) -> Neo4jError:
    """The error the driver raises for a server FAILURE with this Neo4j code and message."""
    return Neo4jError._hydrate_gql(
        neo4j_code=code,
        message=message,
        gql_status="50N42",
        description="error: general processing exception - unexpected error",
        diagnostic_record={"OPERATION": "", "OPERATION_CODE": "0", "CURRENT_SCHEMA": "/"},
    )


DATA = [
    ("Neo.ClientError.Statement.ArgumentError", "Invalid input for function 'date()'", ClientError),
    ("Neo.ClientError.Statement.TypeError", "Expected a String, got: Long(5)", CypherTypeError),
    ("Neo.DatabaseError.Statement.ExecutionFailed", TOO_LARGE, DatabaseError),
]
NOT_DATA = [
    ("Neo.TransientError.Transaction.DeadlockDetected", "ForsetiClient[3] can't acquire ExclusiveLock", TransientError),
    ("Neo.TransientError.General.DatabaseUnavailable", "Database 'neo4j' is unavailable.", DatabaseUnavailable),
    ("Neo.ClientError.Security.Unauthorized", "The client is unauthorized due to authentication failure.", AuthError),
    ("Neo.ClientError.Security.Forbidden", "Write operations are not allowed for user 'reader'.", Forbidden),
    ("Neo.ClientError.Statement.SyntaxError", "Invalid input 'MERG': expected ...", CypherSyntaxError),
    ("Neo.ClientError.Statement.ParameterMissing", "Expected parameter(s): rows", ClientError),
    ("Neo.ClientError.Procedure.ProcedureNotFound", "There is no procedure with the name `apoc.x`", ClientError),
    ("Neo.ClientError.Transaction.TransactionTimedOut", "The transaction has been terminated.", ClientError),
    # Neo4j 4.4 sent this as transient; the driver rewrites it to the 5.x client code, still not the data's fault
    ("Neo.TransientError.Transaction.LockClientStopped", "The transaction has been terminated.", ClientError),
    ("Neo.DatabaseError.Statement.ExecutionFailed", "Java heap space", DatabaseError),
    ("Neo.DatabaseError.General.UnknownError", "An unexpected failure occurred.", DatabaseError),
]


@pytest.mark.parametrize(("code", "message", "kind"), DATA)
def test_a_refusal_for_the_values_is_a_data_error(code: str, message: str, kind: type[Neo4jError]) -> None:
    error = _server_error(code, message)
    assert type(error) is kind and error.code == code
    assert is_data_error(error)


@pytest.mark.parametrize(("code", "message", "kind"), NOT_DATA)
def test_transient_security_syntax_and_server_failures_are_not(code: str, message: str, kind: type[Neo4jError]) -> None:
    error = _server_error(code, message)
    assert type(error) is kind
    assert not is_data_error(error)


@pytest.mark.parametrize(
    "error",
    [
        ServiceUnavailable("Couldn't connect to 127.0.0.1:7687"),
        SessionExpired("Failed to read from defunct connection"),
        OSError("Connection reset by peer"),
    ],
)
def test_a_lost_connection_is_not_a_data_error(error: Exception) -> None:
    assert not is_data_error(error)
