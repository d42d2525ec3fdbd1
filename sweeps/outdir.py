"""Which directories a sweep may write into: its own, never a user's unrelated files.

A sweep writes ``summary.md``, ``plausibility.png``, ``hypotheses.parquet`` and
appends to ``runs.jsonl`` in its ``--out`` directory, so pointed at a directory of
someone's own files it would replace them. :func:`claim` lets a sweep write only

- into a directory that does not exist yet or is empty,
- into one that holds the marker file :data:`MARKER` (written by the first sweep
  into it, so every rerun and resume goes on without asking), or
- into a directory that an older brainweave's sweep wrote before markers existed:
  its ``sweep.json`` is a sweep plan and every line of its ``runs.jsonl`` is a
  sweep run (``run_id``, ``status``, ``setting_id``). Such a directory is adopted:
  it gets the marker and resumes as before;

and refuses anything else unless ``force`` (``--force``).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

from brainweave.errors import BrainweaveError

log = logging.getLogger(__name__)

MARKER = ".brainweave-sweep"


class OutDirError(BrainweaveError):
    """The output directory holds files that are not a sweep's."""


def claim(out: Path, *, force: bool = False) -> str:
    """Make ``out`` this sweep's directory (write the marker), or raise
    :class:`OutDirError`. Returns how: "new", "own", "adopted" or "forced"."""
    out = Path(out)
    how = check(out, force=force)
    if how == "own":
        return how
    if how == "adopted":
        log.info("%s: a sweep directory from an older brainweave; adopting it", out)
    elif how == "forced":
        log.warning("%s is not a sweep directory; writing into it anyway (--force)", out)
    out.mkdir(parents=True, exist_ok=True)
    doc = {"brainweave": "sweep", "claimed_at": datetime.now(UTC).isoformat(timespec="seconds")}
    (out / MARKER).write_text(json.dumps({**doc, "how": how}) + "\n", encoding="utf-8")
    return how


def check(out: Path, *, force: bool = False) -> str:
    """What :func:`claim` would do with ``out``, writing nothing; raises the same."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutDirError(
            f"--out {out} is a file, not a directory", "give --out a directory (new or a sweep's)"
        )
    if (out / MARKER).is_file():
        return "own"
    entries = sorted(p.name for p in out.iterdir()) if out.is_dir() else []
    if not entries:
        how = "new"
    elif _older_sweep(out):
        how = "adopted"
    elif force:
        how = "forced"
    else:
        more = f" and {len(entries) - 5} more" if len(entries) > 5 else ""
        shown = ", ".join(entries[:5]) + more
        raise OutDirError(
            f"--out {out} is not empty and is not a sweep's directory (it holds {shown}); "
            "a sweep would replace summary.md, plausibility.png, hypotheses.parquet and "
            "append to runs.jsonl there",
            "give --out a new or empty directory, or pass --force to write into this one",
        )
    return how


def _older_sweep(out: Path) -> bool:
    """True when ``out`` looks written by a sweep of a brainweave without markers."""
    try:
        plan = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not (isinstance(plan, dict) and isinstance(plan.get("runs"), list) and "spec" in plan):
        return False
    runs = out / "runs.jsonl"
    if not runs.exists():
        return True
    try:
        lines = runs.read_bytes().split(b"\n")
    except OSError:
        return False
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError:
            if i == len(lines) - 1:  # a torn last line (a killed sweep); repaired on open
                continue
            return False
        if not (isinstance(rec, dict) and {"run_id", "status", "setting_id"} <= set(rec)):
            return False
    return True
