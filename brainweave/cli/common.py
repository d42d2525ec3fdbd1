"""Helpers shared by the CLI command modules."""

from __future__ import annotations

from typing import Any

import typer

from brainweave.settings import Settings, load_settings


def settings_from(ctx: typer.Context, **overrides: Any) -> Settings:
    obj = ctx.find_root().obj or {}
    return load_settings(profile=obj.get("profile"), config_file=obj.get("config"), **overrides)
