"""The models each scorer backend can use here, for `brainweave models list`."""

from __future__ import annotations

from typing import Any


def served_models(base_url: str, timeout_s: float = 3.0) -> list[str]:
    """The model ids an OpenAI-compatible server lists at ``/models`` ([] when down)."""
    import json
    import urllib.request

    try:
        with urllib.request.urlopen(f"{base_url.rstrip('/')}/models", timeout=timeout_s) as r:
            data = json.loads(r.read())
        return [str(m["id"]) for m in data.get("data", [])]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []


def backend_models(settings: Any, aliases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per backend, the models it can score with here (for `brainweave models list`)."""
    installed = [a["alias"] for a in aliases if a["installed"]]
    base_url = getattr(settings.scorer, "base_url", None)
    served = served_models(base_url) if base_url else []
    return [
        {
            "provider": "transformers",
            "models": installed,
            "note": "the packaged GGUFs dequantised to fp32 (exact, the paper's method), or "
            "any Hugging Face id, model directory or .gguf; scorer.adapter adds a LoRA",
        },
        {
            "provider": "llamacpp",
            "models": installed,
            "note": "the packaged GGUFs quantized as shipped, or any causal-LM .gguf path",
        },
        {
            "provider": "openai-logprobs",
            "models": served,
            "note": (
                f"served at {base_url}" + ("" if served else " (not answering)")
                if base_url
                else "set scorer.base_url to a server that returns prompt log-probs "
                "(vLLM, llama-cpp-python's server)"
            ),
        },
    ]
