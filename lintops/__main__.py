"""``python -m lintops``, as safe as the ``lintops`` script.

``python -m`` puts the working directory first on ``sys.path``. lintops is usually started from the
root of the repository under review, whose author could add a ``click.py`` or a ``*.dist-info`` with
entry points there, and Python would import it as ours. The working directory is taken off the path
before anything else is imported (unless lintops itself is being run from there, a source checkout).
"""

import os
import sys


def _drop_working_directory() -> None:
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    working = os.getcwd()
    sys.path[:] = [entry for entry in sys.path
                   if os.path.abspath(entry or ".") != working or working == package_parent]


_drop_working_directory()

from lintops.cli import run  # noqa: E402  (after the path is safe)

if __name__ == "__main__":  # pragma: no cover
    run()
