"""Lazy exports: a package names what it offers, and the module holding each name is
imported on first use (so `import brainweave.agents` does not import torch)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, targets: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` resolving ``name`` through ``targets[name]`` =
    "module:attribute"."""

    def __getattr__(name: str) -> Any:
        if name not in targets:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, attr = targets[name].split(":")
        return getattr(importlib.import_module(module), attr)

    return __getattr__
