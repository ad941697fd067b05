"""Shared helpers for lintops' tests: run the CLI in-process or as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from lintops.cli import main

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def cli():
    """Invoke the CLI in-process: ``cli("check", path, "--format", "json")`` -> click Result."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def lint_json(cli):
    """Lint with ``--format json`` and return (exit code, parsed report)."""

    def run(*args: str, input: str | None = None):
        result = cli("check", "--format", "json", *args, input=input)
        return result.exit_code, json.loads(result.stdout)

    return run


def run_lintops(*args: str, cwd: Path | None = None, input: str | None = None, env: dict | None = None):
    """The real console entry point in a subprocess (``python -m lintops``)."""
    return subprocess.run([sys.executable, "-m", "lintops", *args], cwd=cwd, input=input, capture_output=True,
                          text=True, env=env, timeout=120)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path
