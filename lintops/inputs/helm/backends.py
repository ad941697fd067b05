"""What renders a chart: the ``helm`` binary (``helm template``) or helm-python-sdk, behind one ``render`` call.

A backend is opened once per chart as a session, because the chart is rendered again later with
marked values (:mod:`.markers`) when a finding asks where a node came from. helm-python-sdk is
imported only when a session opens, so that importing lintops stays cheap where no chart is rendered.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from ..offline import offline_environment

#: Seconds one ``helm template`` may take.
BINARY_TIMEOUT = 120
_INSTALL_HINT = ("install the helm extra (pip install 'lintops[helm]', which brings helm-python-sdk) "
                 "or put the helm binary on PATH")


class _RenderFailure(Exception):
    """Helm refused to render; the message is Helm's."""


def available_backend(preference: str = "auto") -> str | None:
    """``"binary"`` or ``"sdk"``: what renders charts here (``preference``: auto, binary, sdk), or None."""
    if preference in ("auto", "binary") and shutil.which("helm"):
        return "binary"
    if preference in ("auto", "sdk"):
        try:
            import importlib.util

            if importlib.util.find_spec("helm_python") is not None:
                return "sdk"
        except (ImportError, ValueError):  # pragma: no cover - a broken installation
            return None
    return None


class _SdkSession:
    """Renders one loaded chart with helm-python-sdk (Helm's Go SDK; offline, no cluster)."""

    def __init__(self, chart_path: Path) -> None:
        import helm_python

        self._errors = helm_python.HelmError
        try:
            self._chart = helm_python.Chart.load(str(chart_path))
        except helm_python.HelmError as exc:
            raise _RenderFailure(exc.detail or str(exc)) from None

    def render(self, values: dict[str, Any], release: str, namespace: str) -> dict[str, str]:
        try:
            return self._chart.render(values, name=release, namespace=namespace, is_install=True)
        except self._errors as exc:
            raise _RenderFailure(getattr(exc, "detail", None) or str(exc)) from None


class _BinarySession:
    """Renders one chart with ``helm template`` (no cluster; dependencies must be vendored)."""

    def __init__(self, helm: str, chart_path: Path) -> None:
        self._helm = helm
        self._chart_path = chart_path

    def render(self, values: dict[str, Any], release: str, namespace: str) -> dict[str, str]:
        with tempfile.TemporaryDirectory(prefix="lintops-helm-") as scratch:
            values_file = Path(scratch) / "values.json"
            values_file.write_text(json.dumps(values), encoding="utf-8")
            try:
                process = subprocess.run(
                    [self._helm, "template", release, str(self._chart_path), "--namespace", namespace,
                     "--values", str(values_file)],
                    capture_output=True, text=True, timeout=BINARY_TIMEOUT, check=False, cwd=scratch,
                    env=offline_environment(Path(scratch)),
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise _RenderFailure(f"helm template could not run: {exc}") from None
        if process.returncode != 0:
            message = process.stderr.strip() or f"helm template exited with status {process.returncode}"
            raise _RenderFailure(message.removeprefix("Error: "))
        return split_helm_output(process.stdout)


def split_helm_output(text: str) -> dict[str, str]:
    """``helm template`` output to ``{"<chart>/templates/<file>": text}`` by its ``# Source:`` lines."""
    sources: dict[str, list[str]] = {}
    for chunk in re.split(r"^---[ \t]*$\n?", text, flags=re.MULTILINE):
        match = re.match(r"\s*# Source: (\S[^\n]*)\n?", chunk)
        if match is None:
            continue
        sources.setdefault(match[1].strip(), []).append(chunk[match.end():])
    return {key: "---\n".join(parts) for key, parts in sources.items()}
