"""Diagnostics of the other files a render reached: published, and cleared when a later render no longer
finds anything there.

A document linted through a render (:mod:`.rendered`) brings findings in files that may not be open (the
chart's ``values.yaml``, the base an overlay patches): LSP lets a server publish diagnostics for any
file, and editors show them in their problems list. The server remembers, per document, which other
files its last render published to, so that a file whose findings are gone is cleared, and a document
that is closed takes the diagnostics of the files that are not open with it. When two documents' renders
reach the same file, the newest render's diagnostics are the file's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from pygls.uris import from_fs_path, to_fs_path

from .diagnostics import Published


class RenderedFiles:
    """Which files each document's last render published diagnostics to."""

    def __init__(self, publish: Callable[[str, int | None, list[Published]], None],
                 clear: Callable[[str], None]) -> None:
        self._publish = publish
        self._clear = clear
        self._reached: dict[str, set[str]] = {}

    def published(self, uri: str, others: dict[str, list[Published]] | None, open_uris: Iterable[str]) -> None:
        """Publish the other files' diagnostics of ``uri``'s render; clear the files it no longer reaches."""
        open_uris = set(open_uris)
        by_path = {to_fs_path(u): u for u in open_uris}
        reached: set[str] = set()
        for path, items in (others or {}).items():
            other = by_path.get(path) or from_fs_path(path) or Path(path).as_uri()
            if other == uri:
                continue
            reached.add(other)
            self._publish(other, None, items)
        for stale in self._reached.get(uri, set()) - reached:
            self._clear(stale)
        if reached:
            self._reached[uri] = reached
        else:
            self._reached.pop(uri, None)

    def closed(self, uri: str, open_uris: Iterable[str]) -> None:
        """``uri`` was closed: the files only its render reached, and that are not open, are cleared."""
        still_open = set(open_uris)
        kept = set().union(*(files for document, files in self._reached.items() if document != uri))
        for other in self._reached.pop(uri, set()):
            if other not in still_open and other not in kept:
                self._clear(other)
