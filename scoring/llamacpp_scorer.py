"""The perplexity scorer on a GGUF file, quantized as it is, through llama.cpp.

``scorer.provider = "llamacpp"``: the model named by ``scorer.model`` (a packaged
alias or a path to a ``.gguf`` file) runs in llama-cpp-python with its own
quantized arithmetic, so a 7B Q4 model scores on a workstation's CPU in a few GB.

The numbers are the transformers scorer's (:mod:`brainweave.scoring.perplexity`),
computed the same way: llama.cpp's tokenizer with the model's default special
tokens (BOS where the GGUF says so), every token after the first scored, or only
the tokens after a context's own tokenisation; rolling windows past the context
size. The logits of each scored position come from llama.cpp's batch API (the
per-token output flags of ``llama_batch``), so only the positions that predict a
scored token run the LM head and no ``n_ctx x vocab`` buffer is kept.
``score_many`` runs the texts' common token prefix once and reuses its KV cache
for each continuation (``llama_memory_seq_rm`` back to the end of the prefix).
"""

from __future__ import annotations

import ctypes
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from brainweave.errors import BrainweaveError, ConfigError
from brainweave.scoring.contract import TextScore
from brainweave.scoring.perplexity import common_prefix_len, prepare_ids

log = logging.getLogger(__name__)

PROVIDER = "llamacpp"
# architectures llama.cpp loads that are encoders (embedding models), not causal LMs
ENCODER_ARCHS = frozenset(
    {"bert", "nomic-bert", "nomic-bert-moe", "jina-bert-v2", "t5encoder", "modern-bert", "neo-bert"}
)
DEFAULT_N_CTX = 4096  # tokens of one window unless scorer.context_window says otherwise
INSTALL_HINT = (
    "pip install llama-cpp-python (it compiles from source: a few minutes), "
    "or use scorer.provider = 'transformers'"
)


def resolve_gguf(model: str, cache_dir: Path | None = None) -> Path:
    """The GGUF file for a packaged alias or a path to a ``.gguf`` file."""
    from brainweave.scoring.models import ALIASES, resolve_cache_dir

    if model in ALIASES:
        return ALIASES[model].locate(resolve_cache_dir(cache_dir))
    path = Path(model).expanduser()
    if path.is_dir():
        ggufs = sorted(path.glob("*.gguf"))
        if len(ggufs) == 1:
            return ggufs[0]
    if path.suffix == ".gguf" and path.is_file():
        return path
    raise ConfigError(
        f"the llama.cpp scorer needs a GGUF file; {model!r} is neither a packaged alias nor one",
        f"set scorer.model to one of {', '.join(ALIASES)} or a path to a .gguf file, or use "
        "scorer.provider = 'transformers' for Hugging Face ids and model directories",
    )


def gguf_metadata(path: Path) -> dict[str, Any]:
    """The key-value header of a GGUF file (read with the ``gguf`` package, no weights)."""
    try:
        from gguf import GGUFReader
    except ImportError as err:  # a dependency of brainweave
        raise BrainweaveError(
            "reading GGUF files needs the gguf package", "pip install gguf"
        ) from err
    try:
        reader = GGUFReader(str(path))
    except Exception as err:
        raise BrainweaveError(
            f"{path} is not a readable GGUF file ({type(err).__name__}: {err})",
            "give the path of a .gguf model file (llama.cpp's format), e.g. one from "
            "huggingface.co/models?library=gguf",
        ) from err
    out: dict[str, Any] = {}
    for key, field in reader.fields.items():
        try:
            out[key] = field.contents()
        except Exception:
            continue
    return out


def check_causal_lm(path: Path, meta: dict[str, Any]) -> str:
    """The GGUF's architecture; a clear error when it is not a causal (decoder) LM."""
    arch = meta.get("general.architecture")
    if not isinstance(arch, str):
        raise BrainweaveError(
            f"{path} has no general.architecture in its GGUF header",
            "convert the model with llama.cpp's convert_hf_to_gguf.py",
        )
    causal = meta.get(f"{arch}.attention.causal")
    if arch in ENCODER_ARCHS or causal is False:
        raise BrainweaveError(
            f"{path} is a {arch!r} model with non-causal attention (an embedding or encoder "
            "model), not a causal language model: it cannot give next-token log-probabilities",
            "choose a causal LM GGUF (Llama, Mistral, Gemma, Qwen, SmolLM2 ...)",
        )
    return arch


def load_llama(path: Path, n_ctx: int, threads: int, n_batch: int) -> Any:
    """A llama.cpp context on ``path`` for scoring (the caller keeps it: see Services)."""
    try:
        from llama_cpp import Llama
    except ImportError as err:
        raise ConfigError("the llama.cpp scorer needs llama-cpp-python", INSTALL_HINT) from err
    log.info("loading %s with llama.cpp for scoring (%d threads)", path, threads)
    try:
        return Llama(
            model_path=str(path),
            n_ctx=n_ctx,
            n_batch=n_batch,
            n_ubatch=n_batch,
            n_threads=threads,
            n_threads_batch=threads,
            logits_all=False,  # outputs are asked for per token in our batches
            verbose=False,
        )
    except (ValueError, RuntimeError) as err:
        raise BrainweaveError(
            f"llama.cpp could not load {path}: {err}",
            "check the file is a complete GGUF model llama-cpp-python supports "
            "(a newer architecture may need a newer llama-cpp-python)",
        ) from err


def _default_threads() -> int:
    from brainweave.agents.llamacpp import default_threads

    return default_threads()


class LlamaCppScorer:
    """Scores texts with a GGUF model in llama.cpp (satisfies the scorer protocol)."""

    provider = PROVIDER

    def __init__(
        self,
        gguf: Path,
        *,
        name: str | None = None,
        window: int | None = None,
        stride: int | None = None,
        threads: int | None = None,
        n_batch: int = 512,
    ) -> None:
        self.path = Path(gguf)
        meta = gguf_metadata(self.path)
        self.architecture = check_causal_lm(self.path, meta)
        n_train = meta.get(f"{self.architecture}.context_length")
        limit = int(n_train) if isinstance(n_train, int) and n_train > 0 else DEFAULT_N_CTX
        self.window = int(window or min(limit, DEFAULT_N_CTX))
        if self.window < 2:
            raise ValueError("the window must hold at least 2 tokens")
        self.stride = int(stride or self.window - 1)
        if not 1 <= self.stride <= self.window - 1:
            raise ValueError(f"stride must be in [1, window - 1], got {self.stride}")
        self.threads = int(threads or _default_threads())
        self.n_batch = int(min(n_batch, self.window))
        self.model_name = name or self.path.name
        self.llama = load_llama(self.path, self.window, self.threads, self.n_batch)
        self.n_vocab = int(self.llama.n_vocab())
        self._lock = threading.Lock()
        self._batch: Any = None

    def __del__(self) -> None:
        batch, self._batch = getattr(self, "_batch", None), None
        if batch is not None:
            try:
                import llama_cpp

                llama_cpp.llama_batch_free(batch)
            except Exception:  # interpreter shutdown: nothing left to free
                pass

    @classmethod
    def from_settings(cls, settings: Any) -> LlamaCppScorer:
        s = settings.scorer
        if s.adapter:
            raise ConfigError(
                f"scorer.adapter applies to the transformers backend, not {s.provider!r}",
                "unset scorer.adapter, or merge the adapter into the model and convert it to "
                "GGUF (llama.cpp's convert_lora_to_gguf.py) or serve it with its base model",
            )
        return cls(
            resolve_gguf(s.model, s.cache_dir),
            name=s.model,
            window=s.context_window,
            stride=s.window_stride,
            threads=s.threads,
        )

    @property
    def name(self) -> str:
        return f"{self.model_name} (llama.cpp)"

    # -- tokenisation -------------------------------------------------------
    def encode(self, text: str) -> list[int]:
        # add_bos=True adds BOS only where the GGUF's tokenizer says so (Gemma: yes,
        # SmolLM2: no), as the transformers tokenizer's defaults do
        return list(self.llama.tokenize(text.encode("utf-8"), add_bos=True, special=True))

    def prepare(self, text: str, context: str | None = None) -> tuple[list[int], int]:
        return prepare_ids(self.encode, text, context)

    # -- llama.cpp ------------------------------------------------------------
    def _memory(self) -> Any:
        import llama_cpp

        return llama_cpp.llama_get_memory(self.llama.ctx)

    def _forget(self, from_pos: int) -> None:
        """Drop the KV cache from position ``from_pos`` on (0: all of it)."""
        import llama_cpp

        mem = self._memory()
        if from_pos <= 0:
            llama_cpp.llama_memory_clear(mem, True)
        elif not llama_cpp.llama_memory_seq_rm(mem, 0, from_pos, -1):
            llama_cpp.llama_memory_clear(mem, True)
            raise RuntimeError("llama.cpp could not trim the KV cache")

    def _decode(
        self, seq: Sequence[int], pos0: int, lo: int, keep_last: bool
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Decode ``seq[pos0:]`` at positions ``pos0..`` (the KV cache holds ``seq[:pos0]``).

        Returns log p(seq[t] | seq[:t]) for t in ``max(lo, pos0 + 1) .. len(seq) - 1`` and,
        with ``keep_last``, the log-softmax row of the last position (it predicts the
        token after ``seq``).
        """
        import llama_cpp

        from brainweave.scoring.prefix import gather_logprobs, log_softmax

        torch = _torch()
        n = len(seq)
        if self._batch is None:
            self._batch = llama_cpp.llama_batch_init(self.n_batch, 0, 1)
        batch = self._batch
        out: list[np.ndarray] = []
        last: np.ndarray | None = None
        for c0 in range(pos0, n, self.n_batch):
            c1 = min(n, c0 + self.n_batch)
            wanted: list[int] = []
            for j, p in enumerate(range(c0, c1)):
                batch.token[j] = int(seq[p])
                batch.pos[j] = p
                batch.n_seq_id[j] = 1
                batch.seq_id[j][0] = 0
                want = (lo - 1 <= p < n - 1) or (keep_last and p == n - 1)
                batch.logits[j] = 1 if want else 0
                if want:
                    wanted.append(p)
            batch.n_tokens = c1 - c0
            rc = llama_cpp.llama_decode(self.llama.ctx, batch)
            if rc != 0:
                raise BrainweaveError(
                    f"llama.cpp failed to evaluate {c1 - c0} tokens (llama_decode returned {rc})",
                    "lower scorer.context_window or check the model file",
                )
            if not wanted:
                continue
            ptr = llama_cpp.llama_get_logits(self.llama.ctx)
            flat = np.ctypeslib.as_array(
                ctypes.cast(ptr, ctypes.POINTER(ctypes.c_float)),
                shape=(len(wanted) * self.n_vocab,),
            )
            logits = torch.from_numpy(flat.reshape(len(wanted), self.n_vocab).copy())
            scored = [k for k, p in enumerate(wanted) if p < n - 1]
            if scored:
                idx = torch.tensor(scored, dtype=torch.long)
                targets = torch.tensor([int(seq[wanted[k] + 1]) for k in scored], dtype=torch.long)
                out.append(gather_logprobs(logits[idx], targets))
            if keep_last and wanted[-1] == n - 1:
                last = log_softmax(logits[-1])
        lp = np.concatenate(out) if out else np.empty(0, dtype=np.float64)
        return lp, last

    def _window_logprobs(self, ids: Sequence[int]) -> np.ndarray:
        self._forget(0)
        return self._decode(ids, 0, 1, keep_last=False)[0]

    def token_logprobs(self, ids: Sequence[int]) -> np.ndarray:
        """log p(ids[i] | ids[:i]) for i = 1..n-1 (rolling windows past the window)."""
        n = len(ids)
        out = np.empty(max(n - 1, 0), dtype=np.float64)
        if n < 2:
            return out
        w = self.window
        end = min(n, w)
        out[: end - 1] = self._window_logprobs(ids[:end])
        pos = end
        while pos < n:
            end = min(pos + self.stride, n)
            start = end - w
            lp = self._window_logprobs(ids[start:end])  # predicts start+1 .. end-1
            out[pos - 1 : end - 1] = lp[pos - start - 1 :]
            pos = end
        return out

    # -- the scorer protocol ---------------------------------------------------
    def score(self, text: str, context: str | None = None) -> TextScore:
        """One text on its own (no prefix sharing)."""
        ids, first = self.prepare(text, context)
        with self._lock:
            lp = self.token_logprobs(ids)[first - 1 :]
        return TextScore.from_logprobs(lp, len(text.encode("utf-8")))

    def score_many(self, texts: Sequence[str], context: str | None = None) -> list[TextScore]:
        """Score texts that share a beginning (or one context) together."""
        prepared = [self.prepare(t, context) for t in texts]
        with self._lock:
            lps = self._shared_prefix(prepared)
        return [
            TextScore.from_logprobs(lp, len(t.encode("utf-8")))
            for lp, t in zip(lps, texts, strict=True)
        ]

    def _shared_prefix(self, prepared: Sequence[tuple[list[int], int]]) -> list[np.ndarray]:
        seqs = [p[0] for p in prepared]
        firsts = [p[1] for p in prepared]
        lens = [len(s) for s in seqs]
        if len(seqs) < 2 or max(lens) > self.window or min(lens) < 2:
            return [self.token_logprobs(s)[f - 1 :] for s, f in prepared]
        split = min(common_prefix_len(seqs), min(lens) - 1)
        lo = min(min(firsts), split)
        self._forget(0)
        # tokens lo..split-1 (shared) and the distribution of token `split`
        prefix_lp, last = self._decode(seqs[0][:split], 0, lo, keep_last=True)
        assert last is not None
        out = []
        for seq, first in zip(seqs, firsts, strict=True):
            self._forget(split)
            cont_lp, _ = self._decode(seq, split, split + 1, keep_last=False)
            lp = np.concatenate([prefix_lp, [float(last[seq[split]])], cont_lp])
            out.append(lp[first - lo :])
        return out


def _torch() -> Any:
    try:
        import torch
    except ImportError as err:  # a dependency of brainweave
        raise BrainweaveError("the scorer needs torch", "pip install brainweave") from err
    return torch
