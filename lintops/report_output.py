"""Report files written atomically: a run leaves the complete new report, or the previous one, never half.

CI uploads ``--report`` files as artifacts and merge-request widgets read them; a truncated JSON or
JUnit file is worse than none (the widget shows nothing, or a parser error, instead of the findings).
So a report is written to a temporary file in the target's own directory (``os.replace`` is atomic
only within one file system) and, once the run has written every report in full, each is flushed,
``fsync``-ed and renamed over its target. A run that fails or is interrupted before that discards the
temporary files: the targets keep what they held. A full disk (``ENOSPC``) or any other write error
surfaces as :class:`ReportWriteError`, naming the report, which the command line turns into one
error line and exit 2 (an output that cannot be written, like one that cannot be opened).

Targets that are not regular files (``/dev/stdout``, ``/dev/full``, a FIFO a CI step reads from) are
written in place: they cannot be replaced, and renaming a file over a device node would need rights
a run does not have. A symbolic link as the target is followed: the file it points to is replaced,
the link stays. A new file gets the mode ``open()`` would give it (``0666`` minus the umask); a
replaced one keeps its mode.

Standard output is a stream, not a file: it is never renamed, but its write errors are reported the
same way.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from .errors import LintopsError

if TYPE_CHECKING:  # pragma: no cover
    from .model import RunSummary
    from .reporters import Reporter
    from .run_context import FileReport


#: How standard output is named in messages.
STDOUT = "standard output"


class ReportWriteError(LintopsError):
    """A report could not be written; ``display`` names it as the user gave it (or :data:`STDOUT`)."""

    def __init__(self, display: str, error: OSError) -> None:
        self.display = display
        self.error = error
        reason = error.strerror or str(error)
        where = "to standard output" if display == STDOUT else f"report {display}"
        super().__init__(f"cannot write {where}: {reason}")
        if display == STDOUT:
            _detach_stdout()


def _detach_stdout() -> None:
    """Point standard output at the null device, so that the interpreter's last flush cannot fail again
    (a closed pipe would add an ``Exception ignored`` message after the one line already printed)."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):  # pragma: no cover - no real standard output
        pass


class ReportOutput:
    """Where one report goes: standard output, a device written in place, or a file replaced at the end."""

    def __init__(self, display: str, stream: TextIO, target: Path | None = None, temporary: Path | None = None,
                 mode: int | None = None) -> None:
        self.display = display
        self.stream = stream
        self._target = target
        self._temporary = temporary
        self._mode = mode

    @classmethod
    def stdout(cls) -> ReportOutput:
        return cls(STDOUT, sys.stdout)

    @property
    def is_stdout(self) -> bool:
        return self.display == STDOUT

    def flush(self) -> None:
        """Everything written reaches the disk (the temporary file is fsync-ed, a device flushed)."""
        try:
            self.stream.flush()
            if self._temporary is not None:
                if self._mode is not None:
                    os.fchmod(self.stream.fileno(), self._mode)
                os.fsync(self.stream.fileno())
        except OSError as exc:
            raise ReportWriteError(self.display, exc) from None

    def commit(self) -> None:
        """Close, and rename the temporary file over the target (after :meth:`flush`)."""
        if self.is_stdout:
            return
        try:
            self.stream.close()
            if self._temporary is not None and self._target is not None:
                os.replace(self._temporary, self._target)
                self._temporary = None
        except OSError as exc:
            raise ReportWriteError(self.display, exc) from None
        finally:
            self.discard()

    def discard(self) -> None:
        """Close without publishing: the target keeps what it held (a device keeps what was written)."""
        if self.is_stdout:
            return
        with contextlib.suppress(OSError):
            self.stream.close()
        if self._temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._temporary)
            self._temporary = None


def open_report(path: str) -> ReportOutput:
    """A :class:`ReportOutput` for ``path`` (``OSError`` when it cannot be created)."""
    given = Path(path)
    target = Path(os.path.realpath(given))
    try:
        status = os.stat(target)
    except FileNotFoundError:
        status = None
    if status is not None and not stat.S_ISREG(status.st_mode):
        if stat.S_ISDIR(status.st_mode):
            raise IsADirectoryError(21, "Is a directory", path)
        return ReportOutput(path, open(target, "w", encoding="utf-8"))  # closed by commit()
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = stat.S_IMODE(status.st_mode) if status is not None else 0o666 & ~_umask()
    import tempfile  # only for a report file: a run printing to standard output does without it
    descriptor, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        stream = os.fdopen(descriptor, "w", encoding="utf-8")
    except BaseException:
        os.close(descriptor)
        os.unlink(name)
        raise
    return ReportOutput(path, stream, target, Path(name), mode)


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def write_text_atomically(path: Path, text: str) -> None:
    """``path.write_text(text)``, atomically (see the module docstring); ``ReportWriteError`` on failure."""
    try:
        output = open_report(str(path))
    except OSError as exc:
        raise ReportWriteError(str(path), exc) from None
    try:
        try:
            output.stream.write(text)
        except OSError as exc:
            raise ReportWriteError(str(path), exc) from None
        output.flush()
        output.commit()
    finally:
        output.discard()


class Reports:
    """The reporters of one run and their outputs, driven together; written out only by :meth:`commit`."""

    def __init__(self) -> None:
        self._items: list[tuple[Reporter, ReportOutput]] = []

    def add(self, reporter: Reporter, output: ReportOutput) -> None:
        self._items.append((reporter, output))

    def _each(self, call: Any) -> None:
        for reporter, output in self._items:
            try:
                call(reporter)
            except OSError as exc:
                raise ReportWriteError(output.display, exc) from None

    def file_done(self, report: FileReport) -> None:
        self._each(lambda reporter: reporter.file_done(report))

    def finish(self, summary: RunSummary) -> None:
        """Each reporter's end of run, then every output flushed to disk, then every file published."""
        self._each(lambda reporter: reporter.finish(summary))
        for _, output in self._items:
            output.flush()
        for _, output in self._items:
            output.commit()

    def discard(self) -> None:
        """Drop what was not published (after a failure or an interruption; harmless after :meth:`finish`)."""
        for _, output in self._items:
            output.discard()
