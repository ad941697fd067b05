"""What a kustomization's generators feed into its objects, as literals to mask in kustomize's messages.

``configMapGenerator`` and ``secretGenerator`` entries take ``literals`` (``key=value``), ``envs`` /
``env`` files (``key=value`` lines) and ``files`` (``[key=]path``, the whole file is the value).
kustomize quotes them when it refuses one (a literal typed ``password:hunter2`` is repeated in full),
so every one of them, whole and the part after ``=`` or ``:``, is masked in the message of a failed
build (:mod:`lintops.redact`). Generator configs listed under ``generators:`` are read the same way.

Files are read only when they are regular files no larger than :data:`MAX_FILE_BYTES`, opened
without blocking: a FIFO or a device in their place must neither hang the run nor be read (kustomize
reports them itself). What is read here is only ever used as a mask, never printed.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ...parse.stream import parse_bytes
from ...redact import Redactor
from .references import KustomizationTree

#: Generator input files larger than this are not read for masking (kustomize inputs are small).
MAX_FILE_BYTES = 1 << 20
_GENERATOR_FIELDS = ("configMapGenerator", "secretGenerator")
_GENERATOR_KINDS = ("ConfigMapGenerator", "SecretGenerator")


def generator_redactor(tree: KustomizationTree) -> Redactor:
    """Every generator literal and generator file content of ``tree``'s kustomizations."""
    redactor = Redactor()
    for kustomization in tree.kustomizations:
        directory = kustomization.directory
        for key in _GENERATOR_FIELDS:
            for _, entry in kustomization.items(key):
                _add_generator(redactor, directory, entry)
        for _, entry in kustomization.items("generators"):
            for generator in _generator_configs(directory, entry):
                _add_generator(redactor, directory, generator)
        for _, entry in kustomization.items("helmCharts"):
            if isinstance(entry, dict):
                redactor.add_values(entry.get("valuesInline"))
    return redactor


def _add_generator(redactor: Redactor, directory: Path, entry: Any) -> None:
    if not isinstance(entry, dict):
        return
    for literal in _strings(entry.get("literals")):
        _add_pair(redactor, literal)
    for source in [*_strings(entry.get("envs")), *_strings([entry.get("env")])]:
        raw = _read_small(directory / source)
        for line in raw.splitlines() if raw is not None else ():
            _add_pair(redactor, line.decode("utf-8", "replace"))
            # A line that is not UTF-8 is printed as Go prints a byte slice: [255 254 75 61 ...]
            for part in (line, line.split(b"=", 1)[-1]):
                redactor.add(" ".join(str(byte) for byte in part))
    for source in _strings(entry.get("files")):
        raw = _read_small(directory / source.split("=", 1)[-1])
        if raw is not None:
            redactor.add(raw.decode("utf-8", "replace"))


def _add_pair(redactor: Redactor, literal: str) -> None:
    """A ``key=value`` literal or env line: the whole of it and its value (after ``=``, and after ``:``)."""
    redactor.add(literal)
    for separator in ("=", ":"):
        if separator in literal:
            redactor.add(literal.split(separator, 1)[1])


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, list):
        yield from (item for item in value if isinstance(item, str) and item)


def _generator_configs(directory: Path, entry: Any) -> Iterator[dict[str, Any]]:
    """The ConfigMapGenerator / SecretGenerator configs of a ``generators:`` entry (a file or inline)."""
    if isinstance(entry, dict):
        documents: list[Any] = [entry]
    elif isinstance(entry, str) and "\n" not in entry:
        raw = _read_small(directory / entry)
        if raw is None:
            return
        documents = [document.data for document in parse_bytes(raw, entry).documents]
    elif isinstance(entry, str):
        documents = [document.data for document in parse_bytes(entry.encode("utf-8"), "<generator>").documents]
    else:
        return
    for data in documents:
        if isinstance(data, dict) and data.get("kind") in _GENERATOR_KINDS:
            yield data


def _read_small(path: Path) -> bytes | None:
    """The bytes of a regular file of at most :data:`MAX_FILE_BYTES`, else None (never blocks)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except (OSError, ValueError):
        return None
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_FILE_BYTES:
            return None
        with os.fdopen(descriptor, "rb", closefd=False) as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(descriptor)
    return raw if len(raw) <= MAX_FILE_BYTES else None
