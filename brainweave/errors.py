"""Errors a user sees. Each one says what went wrong and what to do next."""

from __future__ import annotations


class BrainweaveError(Exception):
    """An error with a message meant for the person running brainweave.

    ``hint`` is the next step ("run `brainweave index build --domain genetics`").
    The CLI prints ``str(err)`` and exits non-zero, without a traceback.
    """

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  -> {self.hint}" if self.hint else self.message


class ConfigError(BrainweaveError):
    """Bad settings: an unknown domain, a missing data directory, a bad flag."""


class CorpusError(BrainweaveError):
    """A corpus file is missing or malformed (the message names file and line)."""


class IndexMissingError(BrainweaveError):
    """No index has been built for a domain yet."""


class IndexCorruptError(BrainweaveError):
    """An index's files do not match its manifest (damaged or half-written)."""
