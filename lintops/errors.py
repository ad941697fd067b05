"""The one base class of the errors a user causes and fixes, so every entry point handles them alike.

A :class:`LintopsError` is a problem with the run's inputs or settings: a configuration key, a rule
file, a plugin, a Kubernetes version, a baseline, a path, a report that cannot be written. The
command line turns it into one line and exit 2, never a traceback; the language server turns it into
one diagnostic on the document and keeps serving. Anything else that escapes is a lintops bug (exit 3).

When the problem has a place in a file, the error carries it (:attr:`LintopsError.place`, set where
the error is raised) and its message starts with ``path:line:col: ``: the command line prints the
message, the language server puts the diagnostic at the place, and neither reads the place back out
of the text. A message may start with ``path: `` alone when the file is known but no line in it.

This module imports nothing: every module that defines an error imports it, the cheapest runs too.
"""


class Place:
    """Where in a file an error's problem is written: 1-based line and column.

    ``path`` is the file as the message names it: absolute, or relative to the run's base directory
    (the repository root reports are relative to).
    """

    __slots__ = ("column", "line", "path")

    def __init__(self, path: object, line: int, column: int) -> None:
        self.path = str(path)
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"

    def __repr__(self) -> str:
        return f"Place({self.path!r}, {self.line}, {self.column})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Place) and (self.path, self.line, self.column) == (other.path, other.line,
                                                                                     other.column)

    def __hash__(self) -> int:
        return hash((self.path, self.line, self.column))

    def __reduce__(self) -> tuple:
        return Place, (self.path, self.line, self.column)


class LintopsError(Exception):
    """A problem with the run's inputs or settings that the user fixes: exit 2, one line, never a traceback.

    Raised with a ``place``, the message is ``path:line:col: message``, composed here so that the text
    and the place cannot disagree.
    """

    #: Where the problem is written, when it has a place in a file.
    place: Place | None = None

    def __init__(self, *args: object, place: Place | None = None) -> None:
        if place is not None:
            args = (f"{place}: {args[0] if args else ''}", *args[1:])
            self.place = place
        super().__init__(*args)
