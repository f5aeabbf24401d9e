"""Text2Cypher: a language model writes one Cypher query for a question, and the graph runs it read-only.

The prompt (``models/rag/text2cypher.txt``, versioned) holds the schema written from ``cypher/graph.toml`` and a
few named queries as worked examples, picked by word overlap with the question. The model's reply is trusted
for nothing:

1. one statement is taken from it strictly (the first ```` ```cypher ```` block, else a reply that *is* Cypher),
   never the prose around it;
2. Neo4j plans it (``EXPLAIN`` runs nothing) in a read transaction, and anything whose plan is not read-only
   (``query_type`` other than ``r``), loads CSV or calls a file/URL procedure is refused before it runs;
3. it runs as written, without parameters, in a read transaction with a timeout, and at most ``row_limit`` rows
   are kept.

Why not neo4j-graphrag's ``Text2CypherRetriever``: its ``extract_cypher`` falls back to the whole reply when there
is no fenced block and rewrites identifiers with regexes (which can change string literals); it runs the query
with no plan check (so ``LOAD CSV FROM 'http://…'`` would reach the network from the server), no row limit and no
timeout; and only a syntax error becomes its own exception, so other server errors escape as tracebacks. Its
prompt and ``LLMInterface`` would be the only parts left, so this module uses our versioned prompt file and our
:class:`~trialgraph.models.language_models.LanguageModel` directly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import neo4j
from neo4j.exceptions import ClientError, DriverError, Neo4jError

from trialgraph.errors import GraphError, TrialGraphError
from trialgraph.kg import cypher
from trialgraph.kg.graph import refuse_outside_access
from trialgraph.kg.graph_description import SHARED_LABELS, GraphDescription, graph_description
from trialgraph.models.language_models import LanguageModel
from trialgraph.models.prompt_files import load_prompt

__all__ = [
    "CypherAnswer",
    "Text2CypherError",
    "examples_for",
    "extract_cypher",
    "prompt_version",
    "schema_text",
    "text2cypher",
    "text2cypher_messages",
]

ROW_LIMIT = 100
"""Rows kept from the model's query by default: enough to answer, small enough for a prompt or a terminal."""
TIMEOUT_S = 10.0
"""Seconds the server may spend on the model's query (a cartesian product from a careless model would not end)."""
EXAMPLES = 4
"""Named queries shown as examples: a handful keeps the prompt within a small model's context."""
MAX_NEW_TOKENS = 256

_PROMPT = ("trialgraph.models.rag", "text2cypher")


class Text2CypherError(TrialGraphError):
    """The model gave no usable Cypher: it failed, timed out, or its reply holds no statement."""


@dataclass(frozen=True, slots=True)
class CypherAnswer:
    """The rows the model's query returned, with the query itself and who wrote it, so a user can rerun it."""

    question: str
    cypher: str
    rows: list[dict[str, Any]]
    truncated: bool  # more rows than ``row_limit`` came back; only the first ones are kept
    model: str
    model_version: str
    prompt_version: str
    examples: list[str] = field(default_factory=list)  # the named queries shown to the model

    def as_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "cypher": self.cypher,
            "rows": self.rows,
            "truncated": self.truncated,
            "examples": self.examples,
            "made_by": {
                "model": self.model,
                "model_version": self.model_version,
                "prompt_version": self.prompt_version,
                "retriever": "text2cypher",
            },
        }


# ---------------------------------------------------------------------------------------------------------------
# The prompt: schema from graph.toml, named queries as examples
# ---------------------------------------------------------------------------------------------------------------


def _properties(properties: Mapping[str, str], open_type: str | None = None) -> str:
    """``{name, count:INTEGER}``: STRING is left unsaid, since most properties are strings and tokens are scarce."""
    names = [name if kind == "STRING" else f"{name}:{kind}" for name, kind in sorted(properties.items())]
    if open_type is not None:
        names.append(f"…any other:{open_type}")
    return " {" + ", ".join(names) + "}" if names else ""


def schema_text(description: GraphDescription | None = None) -> str:
    """The graph's labels, relationship types with their ends, and property names and types, one kind a line."""
    description = description or graph_description()
    lines = []
    for name, node in sorted(description.nodes.items()):
        labels = [name, *sorted(label for label in node.labels if label != name)]
        extra = " (+ one label chosen per node)" if node.dynamic_label else ""
        lines.append(f"(:{':'.join(labels)}{_properties(node.properties, node.open_properties)}){extra}")
    for edge_type, edge in sorted(description.edges.items()):
        for start, end in edge.ends:
            lines.append(f"(:{start})-[:{edge_type}{_properties(edge.properties)}]->(:{end})")
    shared = ", ".join(sorted(SHARED_LABELS))
    lines.append(f"Labels {shared} are shared by several kinds of node.")
    return "\n".join(lines)


_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    {"a", "an", "and", "are", "as", "at", "by", "do", "does", "for", "from", "how", "in", "is", "it", "many", "of"}
    | {"on", "or", "the", "to", "what", "which", "with"}
)


def _words(text: str) -> set[str]:
    """Content words, a plural's ``s`` dropped so that "trial" meets "trials"."""
    words = (w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1)
    return {w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words}


def _literal(value: Any) -> str:
    """A Cypher literal for one of *our* example values (never user text): JSON spelling, strings single-quoted."""
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(item) for item in value) + "]"
    return json.dumps(value)


def _example(name: str) -> str | None:
    """A named query as a worked example, its parameters written as the literals of its header's example.

    A query whose example leaves a required parameter unset is skipped: the model is told to write literals,
    so an example with ``$name`` left in it would teach the opposite.
    """
    doc = cypher.describe(name)
    given = {key: cypher.parse_value(raw) for key, raw in doc.example_parameters().items()}
    body = doc.body
    for param in sorted(doc.params, key=lambda p: -len(p.name)):  # $limit before $lim
        if param.name not in given and param.required:
            return None
        value = given.get(param.name, param.default)
        body = re.sub(rf"\${param.name}\b", lambda _m, v=value: _literal(v), body)
    return f"Question: {doc.title}. {doc.purpose}\n```cypher\n{body}\n```"


def examples_for(question: str, count: int = EXAMPLES) -> list[str]:
    """The names of the ``count`` named queries sharing most words with the question (ties: by name).

    A word shared with a query's name or title counts twice: the title says what the query answers, the purpose
    also says how.
    """
    asked = _words(question)
    scored = []
    for name in sorted(cypher.query_names()):
        doc = cypher.describe(name)
        titled = asked & _words(f"{name.replace('_', ' ')} {doc.title}")
        scored.append((-(2 * len(titled) + len(asked & _words(doc.purpose) - titled)), name))
    chosen = [name for _, name in sorted(scored) if _example(name) is not None]
    return chosen[:count]


def prompt_version() -> str:
    return load_prompt(*_PROMPT).version


def text2cypher_messages(question: str, examples: list[str]) -> list[dict[str, str]]:
    """The one-turn chat sent to the model. The question goes into the prompt only, never into any Cypher."""
    shown = [text for name in examples if (text := _example(name)) is not None]
    body = load_prompt(*_PROMPT).body.substitute(
        schema=schema_text(), examples="\n\n".join(shown), question=question.strip()
    )
    return [{"role": "user", "content": body}]


# ---------------------------------------------------------------------------------------------------------------
# The reply: one statement, strictly
# ---------------------------------------------------------------------------------------------------------------

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_-]*)[^\n]*\n(.*?)```", re.DOTALL)
_CLAUSE = re.compile(
    r"(?:OPTIONAL\s+MATCH|MATCH|WITH|RETURN|UNWIND|CALL|CREATE|MERGE|DETACH\s+DELETE|DELETE|SET|REMOVE|FOREACH"
    r"|LOAD\s+CSV|USE|SHOW|FINISH)\b",
    re.IGNORECASE,
)


def _first_statement(text: str) -> str:
    """``text`` up to its first ``;`` outside strings, quoted names and comments."""
    quote: str | None = None
    i = 0
    while i < len(text):
        char = text[i]
        if quote is not None:
            if char == "\\" and quote != "`":
                i += 1
            elif char == quote:
                quote = None
        elif char in "'\"`":
            quote = char
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = len(text) if end < 0 else end + 1
        elif char == ";":
            return text[:i]
        i += 1
    return text


def extract_cypher(reply: str) -> str:
    """The first Cypher statement of a model's reply.

    Strict on purpose: the first fenced block tagged ``cypher`` (or untagged) when the reply has fences, else the
    whole reply only when it starts with a Cypher clause. Prose is never mined for something that looks like a
    query, since a guess at what the model meant is not what the user asked.

    Raises:
        Text2CypherError: the reply holds no Cypher statement.
    """
    fences = _FENCE.findall(reply)
    if fences:
        blocks = [body for language, body in fences if language.lower() in ("", "cypher")]
        candidate = blocks[0] if blocks else ""
    else:
        candidate = reply
    statement = _first_statement(candidate.strip()).strip()
    if not statement or _CLAUSE.match(statement) is None:
        raise Text2CypherError(f"the model's reply holds no Cypher statement: {_one_line(reply) or '(empty)'}")
    return statement


def _one_line(text: str, limit: int = 120) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


# ---------------------------------------------------------------------------------------------------------------
# Running it: planned first, then read-only with a limit and a timeout
# ---------------------------------------------------------------------------------------------------------------


def _graph_error(e: Exception) -> GraphError:
    if isinstance(e, ClientError) and "TransactionTimedOut" in (e.code or ""):
        return GraphError("the model's Cypher ran past its time limit and was stopped")
    message = getattr(e, "message", None) or str(e) or type(e).__name__
    verb = "was refused" if isinstance(e, ClientError) else "failed"
    return GraphError(f"the model's Cypher {verb}: {_one_line(message.splitlines()[0], 200)}")


def refuse_writes(driver: neo4j.Driver, statement: str, *, database: str, timeout_s: float = TIMEOUT_S) -> None:
    """Refuse a statement whose plan is not read-only, asking Neo4j itself (``EXPLAIN`` runs nothing).

    The read transaction it later runs in would stop a write too, but only once it tries; the plan refuses it
    before anything runs, with a clear reason, and the same check catches LOAD CSV, which a read transaction allows.
    """

    @neo4j.unit_of_work(timeout=timeout_s)
    def explain(tx: neo4j.ManagedTransaction) -> str | None:
        return tx.run("EXPLAIN " + statement).consume().query_type

    try:
        with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS) as session:
            query_type = session.execute_read(explain)
    except (Neo4jError, DriverError) as e:
        raise _graph_error(e) from e
    if query_type != "r":
        kinds = {"rw": "reads and writes", "w": "writes", "s": "changes the schema"}
        what = kinds.get(str(query_type), f"is of type {query_type!r}")
        raise GraphError(f"refused: the model's Cypher {what}; Text2Cypher only reads the graph")
    refuse_outside_access(driver, statement, database=database)


def run_limited(
    driver: neo4j.Driver, statement: str, *, database: str, row_limit: int, timeout_s: float
) -> tuple[list[dict[str, Any]], bool]:
    """The first ``row_limit`` rows of a statement run as-is in a read transaction, and whether more came."""

    @neo4j.unit_of_work(timeout=timeout_s)
    def work(tx: neo4j.ManagedTransaction) -> tuple[list[dict[str, Any]], bool]:
        rows: list[dict[str, Any]] = []
        for record in tx.run(statement):
            if len(rows) == row_limit:
                return rows, True
            rows.append(record.data())
        return rows, False

    try:
        with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS) as session:
            return session.execute_read(work)
    except (Neo4jError, DriverError) as e:
        raise _graph_error(e) from e


def text2cypher(
    driver: neo4j.Driver,
    question: str,
    model: LanguageModel,
    database: str = "neo4j",
    *,
    row_limit: int = ROW_LIMIT,
    timeout_s: float = TIMEOUT_S,
    max_new_tokens: int = MAX_NEW_TOKENS,
) -> CypherAnswer:
    """Answer ``question`` with rows from a Cypher query the model writes, refused unless it only reads.

    Raises:
        Text2CypherError: the question is empty, or the model failed or wrote no Cypher.
        GraphError: Neo4j refused the query (a write, bad syntax, LOAD CSV), it timed out, or it failed.
    """
    if not question.strip():
        raise Text2CypherError("the question is empty")
    examples = examples_for(question)
    (generation,) = model.generate([text2cypher_messages(question, examples)], max_new_tokens=max_new_tokens)
    if generation.error is not None:
        raise Text2CypherError(f"language model {model.name} gave no answer: {generation.error}")
    statement = extract_cypher(generation.text)
    refuse_writes(driver, statement, database=database, timeout_s=timeout_s)
    rows, truncated = run_limited(driver, statement, database=database, row_limit=row_limit, timeout_s=timeout_s)
    return CypherAnswer(
        question=question,
        cypher=statement,
        rows=rows,
        truncated=truncated,
        model=model.name,
        model_version=model.version,
        prompt_version=prompt_version(),
        examples=examples,
    )
