"""Helpers shared by the CLI command modules."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperCommand

from brainweave.settings import Settings, load_settings


def settings_from(ctx: typer.Context, **overrides: Any) -> Settings:
    obj = ctx.find_root().obj or {}
    return load_settings(profile=obj.get("profile"), config_file=obj.get("config"), **overrides)


def examples(*commands: str) -> str:
    """A help epilog listing example commands, kept as written (click's ``\\b``)."""
    return "Examples:\n\n\b\n" + "\n".join(f"  {c}" for c in commands) + "\n"


class Command(TyperCommand):
    """A command whose usage line reads ``ask [OPTIONS] QUESTION``, as Unix usage
    lines do, rather than Typer's ``{question}`` for a required argument."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = super().collect_usage_pieces(ctx)
        return [p[1:-1] if p.startswith("{") and p.endswith("}") else p for p in pieces]
