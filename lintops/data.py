"""Where the data that ships with lintops lives (schemas/, rules/).

In the repository both folders sit at the top level, where people read and edit them; the wheel
carries them inside the package (``lintops/schemas``, ``lintops/rules``). This looks in both places so
that a source checkout, an editable install and a wheel behave the same.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    """The directory ``name`` (``schemas`` or ``rules``) of this installation."""
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"lintops data directory '{name}' is missing from this installation ({_PACKAGE})")
