"""Answers computed from the installation's own files, kept as JSON beside its bytecode.

Some start-up work reads files that ship with lintops and gives the same answer every run: the built-in
rules (lintops.catalog_cache) and the API lifecycle table (lintops.schema.kube.lifecycle). Each keeps that
answer here, as Python keeps ``.pyc`` files, in ``lintops/__pycache__/`` or a directory the caller names:
one file per prefix, named by the first 32 hex digits of its key, holding a JSON object that carries the
whole key. This module only finds, reads and writes such files; each caller checks the shape of what it
reads back and builds its answer again from the source files when a file is absent, foreign or damaged.

It is data, never code or a pickle, in the installation, which the linted repository cannot write. A
write is atomic (a reader sees the old file or the new, never half of one), removes the files of other
keys of the same prefix, and is given up silently when the directory cannot be written.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

#: Where the files live unless a caller names another directory.
DEFAULT_DIR = Path(__file__).resolve().parent / "__pycache__"


def path_of(prefix: str, key: str, directory: Path | None = None) -> Path:
    return (directory or DEFAULT_DIR) / f"{prefix}{key[:32]}.json"


def read(prefix: str, key: str, directory: Path | None = None) -> dict[str, Any] | None:
    """The object written under ``key``, or None (no file, not JSON, not an object, another key)."""
    try:
        with open(path_of(prefix, key, directory), "rb") as handle:
            data = json.loads(handle.read())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("key") == key else None


def write(prefix: str, key: str, document: dict[str, Any], directory: Path | None = None) -> None:
    """Write ``document`` with its ``key``; the files of other keys of ``prefix`` go."""
    target = path_of(prefix, key, directory)
    scratch = target.with_name(f".{target.name}.{os.getpid()}")
    try:
        text = json.dumps({**document, "key": key}, allow_nan=False)
        target.parent.mkdir(exist_ok=True)
        scratch.write_text(text, encoding="utf-8")
        os.replace(scratch, target)
        for old in target.parent.glob(f"{prefix}*.json"):
            if old != target:
                old.unlink(missing_ok=True)
    except (OSError, TypeError, ValueError):
        with contextlib.suppress(OSError):  # the directory may not exist, or be no directory at all
            scratch.unlink(missing_ok=True)
