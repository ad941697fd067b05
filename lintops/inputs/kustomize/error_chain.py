"""Kustomize's error text as the chain it describes: the kustomization that failed, its entry, the innermost cause.

Kustomize wraps each step of an error around the next ("accumulating resources: accumulation
err='accumulating resources from '../b3': ... recursed accumulation of path '/tmp/.../b3': ...");
``kubectl kustomize`` puts a timestamp and a process id in front. :func:`error_text` takes the message
out of kubectl's log line (single-line and ``err=<`` block forms) or kustomize's ``Error:`` line;
:func:`peel` follows the chain: each ``recursed accumulation of path`` step enters a base, each
``accumulating resources from 'entry'`` step names the entry of that base's kustomization that failed;
a failed entry is tried as a file and as a directory, and the attempt that says something is kept.
:mod:`.errors` then says the cause in words, at the line to edit.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ...lazy_pattern import lazy

_KUBECTL_BLOCK = lazy(r'"command failed" err=<\n(.*)\n\s*>\s*$', re.S)
_KUBECTL_ERROR = lazy(r'"command failed" err="(.*)"\s*$', re.S)
_CONFIG_BLOCK = lazy(r"trouble configuring builtin (\w+) with config: `(.*?)`: ", re.S)

_INTO_BASE = lazy(r"accumulating resources: accumulation err='(?:accumulating|merging) resources from "
                        r"'([^']*)': '([^']*)' must resolve to a file': "
                        r"(?:recursed accumulation of path|couldn't make target for path) '([^']*)': ")
_ENTRY_BOTH = lazy(r"accumulating resources: accumulation err='(accumulating|merging) resources from "
                         r"'([^']*)': (.*)': must build at directory: (.*)$", re.S)
_ENTRY_FILE = lazy(r"accumulating resources: accumulating resources from '([^']*)': (.*)$", re.S)
_TARGET = lazy(r"couldn't make target for path '([^']*)': (.*)$", re.S)
_COMPONENTS = lazy(r"accumulating components: accumulateDirectory: (.*)$", re.S)
#: A Component's own failure, quoted by the step above (Go's %q): it continues inside the Component.
_INTO_COMPONENT = lazy(r"recursed accumulation of path '([^']*)': ")

#: A file or directory kustomize looked for and did not find (its path in group 1).
MISSING = lazy(r"evalsymlink failure on '([^']+)' : lstat [^:]+: no such file or directory")


@dataclass
class Chain:
    """Where kustomize's message leads: the kustomization that failed, its entry, the innermost cause."""

    directory: Path
    entry: str | None
    field: str | None  # "resources" (an entry kustomize accumulates), "components", None when unknown
    cause: str
    plugin: str | None = None  # a builtin whose configuration failed (HelmChartInflationGenerator, ...)
    config: str = ""


def error_text(stderr: str) -> str:
    """The error itself, without kubectl's log prefix (a timestamp and a process id) and warnings."""
    lines = [line for line in stderr.strip().splitlines() if line.strip() and not line.startswith("# Warning")]
    text = "\n".join(lines)
    block = _KUBECTL_BLOCK.search(text)
    if block:
        return "\n".join(line[1:] if line.startswith("\t") else line for line in block.group(1).splitlines())
    match = _KUBECTL_ERROR.search(text)
    if match:
        raw = match.group(1)
        try:
            return json.loads(f'"{raw}"')
        except ValueError:
            return raw.replace('\\"', '"')
    return re.sub(r"^Error: ", "", text)


def peel(text: str, root: Path) -> Chain:
    """Follow kustomize's chain of steps to the kustomization and entry that failed."""
    directory, entry, field = root, None, None
    plugin, config = None, ""
    configured = _CONFIG_BLOCK.search(text)
    if configured:  # the plugin's configuration (values, literals) is never repeated
        plugin, config = configured.group(1), configured.group(2)
        text = text[:configured.start()] + text[configured.end():]
    while True:
        into = _INTO_BASE.match(text)
        if into:
            directory, entry, field = Path(into.group(3)), None, None
            text = text[into.end():]
            continue
        if plugin is not None and text.startswith(plugin):  # the chain went straight to the plugin
            break
        both = _ENTRY_BOTH.match(text)
        if both:
            entry, field = both.group(2), "resources"
            as_file, as_directory = both.group(3), both.group(4)
            if MISSING.search(as_file) and MISSING.search(as_directory):
                text = MISSING.search(as_file).group(0)
            elif as_directory.endswith("file is not directory") or "must resolve to a file" not in as_file:
                text = as_file
            else:
                text = as_directory
            break
        single = _ENTRY_FILE.match(text)
        if single:
            entry, field, text = single.group(1), "resources", single.group(2)
            break
        target = _TARGET.match(text)
        if target:
            directory, text = Path(target.group(1)), target.group(2)
            break
        components = _COMPONENTS.match(text)
        if components:
            field, text = "components", components.group(1).strip().strip('"')
            inside = _INTO_COMPONENT.match(text)
            if inside:  # the chain goes on inside the Component, quoted once more
                directory, field = Path(inside.group(1)), None
                text = re.sub(r'\\(["\\])', r"\1", text[inside.end():])
                continue
            break
        break
    return Chain(directory, entry, field, text.strip(), plugin, config)
