"""The one base class of the errors a user causes and fixes, so every entry point handles them alike.

A :class:`LintopsError` is a problem with the run's inputs or settings: a configuration key, a rule
file, a plugin, a Kubernetes version, a baseline, a path, a report that cannot be written. The
command line turns it into one line and exit 2, never a traceback; the language server turns it into
one diagnostic on the document and keeps serving. Anything else that escapes is a lintops bug (exit 3).
Its message starts with ``path:line:col: `` (or ``path: ``) when the problem has a place in a file.

This module imports nothing: every module that defines an error imports it, the cheapest runs too.
"""


class LintopsError(Exception):
    """A problem with the run's inputs or settings that the user fixes: exit 2, one line, never a traceback."""
