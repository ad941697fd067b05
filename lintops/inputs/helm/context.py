"""What every environment of one chart shares: the chart, its defaults, one renderer session, its targets.

The session opens on first use and stays open, because the marked renders a finding may ask for come
after the real ones. Template files are read here once per chart, and a Helm error message becomes a
problem at the template line it names.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..files import UNCONFINED, LintedRoot
from ..rendered import RenderProblem
from .backends import _INSTALL_HINT, _BinarySession, _RenderFailure, _RenderLimit, _SdkSession, render_timeout
from .capabilities import Capabilities
from .chart import _Chart, _has_schema
from .templates import _Template
from .values import _Layer


class _Context:
    """What every environment of one chart shares: the chart, its defaults, one renderer session."""

    def __init__(self, chart: _Chart, chart_dir: Path, display: Callable[[Path], str], backend: str,
                 release: str, namespace: str, within: LintedRoot | None = None) -> None:
        self.chart = chart
        #: What the chart's files and the environments' values files must stay inside.
        self.within = within or UNCONFINED
        self.chart_dir = chart_dir
        self.display = display
        self.backend = backend
        self.release = release
        self.namespace = namespace
        self.defaults: dict[str, Any] = {}
        self.default_layers: list[_Layer] = []
        self._session: Any = None
        self._source: Path | None = None  # what the session renders (the chart, or a copy without schemas)
        self._locate_budget: list[int] | None = None  # renders left for finding a runaway template
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        self._templates: dict[str, _Template] = {}
        #: The run's own API entries (CRDs) that every target's ``.Capabilities.APIVersions`` adds.
        self.api_versions: tuple[str, ...] = ()
        self._capabilities: dict[str, Capabilities] = {}

    def capabilities(self, version: str) -> Capabilities:
        """What this chart's renders for Kubernetes ``version`` are told (:mod:`.capabilities`), made once."""
        found = self._capabilities.get(version)
        if found is None:
            found = self._capabilities[version] = Capabilities.for_target(version, self.api_versions)
        return found

    def session(self) -> Any:
        """The renderer, opened on first use and kept for the marked renders findings may ask for later."""
        if self._session is None:
            source = self.chart_dir
            if self.chart.local_charts() or _has_schema(self.chart):  # a copy, with its file:// dependencies
                from .assemble import assembled_copy
                from .backends import package_chart

                binary = shutil.which("helm") if self.backend == "binary" else None
                self._scratch = assembled_copy(  # removed when collected
                    self.chart, self.chart_dir, self.within, strip_schemas=_has_schema(self.chart),
                    package=lambda chart_dir, destination: package_chart(chart_dir, destination, binary))
                source = Path(self._scratch.name) / self.chart_dir.name
            if self.backend == "binary":
                helm = shutil.which("helm")
                if helm is None:
                    raise _RenderFailure(f"the helm binary is no longer on PATH; {_INSTALL_HINT}")
                self._session = _BinarySession(helm, source)
            else:  # the copy stays: a render worker replaced after a limit loads the chart again
                self._session = _SdkSession(source)
            self._source = source
        return self._session

    def template_file(self, key: str) -> tuple[Path | None, Path | None]:
        """``(template file, archive)`` of a rendered key ``<chart>/[charts/<sub>/]templates/<file>``."""
        parts = key.split("/")
        chart = self.chart
        index = 1
        while index + 1 < len(parts) and parts[index] == "charts" and parts[index + 1] in chart.subcharts:
            chart = chart.subcharts[parts[index + 1]]
            index += 2
            if chart.directory is None:
                return None, chart.archive
        if chart.directory is None:  # pragma: no cover - the top chart is always a directory
            return None, chart.archive
        return chart.directory.joinpath(*parts[index:]), None

    def display_key(self, key: str) -> str:
        path, archive = self.template_file(key)
        if path is not None:
            return self.display(path)
        if archive is not None:
            return self.display(archive)
        return key

    def template(self, key: str) -> _Template:
        cached = self._templates.get(key)
        if cached is None:
            path, _ = self.template_file(key)
            text = None
            if path is not None:
                try:
                    text = self.within.read_text(path)
                except (OSError, UnicodeDecodeError):
                    text = None
            cached = self._templates[key] = _Template(self.display_key(key), text)
        return cached

    def problem_from_limit(self, limit: _RenderLimit, values: dict[str, Any], environment: str | None,
                           capabilities: Capabilities | None = None) -> RenderProblem:
        """A render stopped at a limit, as a problem at the template that ran away, else at ``Chart.yaml``
        (the copies that find the template are rendered for the same target, ``capabilities``)."""
        from .runaway import MAX_LOCATE_RENDERS, find_runaway

        session, found = self._session, None
        if isinstance(session, _SdkSession) and self._source is not None:
            if self._locate_budget is None:
                self._locate_budget = [MAX_LOCATE_RENDERS]
            try:
                found = find_runaway(self._source, lambda path, timeout: session.render_copy(
                    path, values, self.release, self.namespace, timeout, capabilities), self._locate_budget,
                    render_timeout())
            except Exception:  # finding the template is best effort (a copy that cannot be made): Chart.yaml
                found = None
        if found is not None:
            return RenderProblem(self.display(self.chart_dir / found), 1, 1, "helm could not render the chart: "
                                 f"this template ran into a render limit: {limit.reason}", environment)
        return RenderProblem(self.display(self.chart_dir / "Chart.yaml"), 1, 1,
                             f"helm could not render the chart: {limit.reason}", environment)

    def problem_from_failure(self, message: str, environment: str | None) -> RenderProblem:
        """A Helm error message as a problem at the template file, line and column it names."""
        # An error inside an included template names every call on the way: the last is where it failed.
        matches = list(re.finditer(r"(?P<key>[^\s():\"']+/templates/[^\s():\"']+):(?P<line>\d+)(?::(?P<column>\d+))?",
                                   message))
        match = matches[-1] if matches else None
        text = " ".join(message.replace("template: ", "", 1).split()) if message else "helm could not render the chart"
        if match is None:
            return RenderProblem(self.display(self.chart_dir / "Chart.yaml"), 1, 1,
                                 f"helm could not render the chart: {text}", environment)
        before, after = message[: match.start()], message[match.end():]
        kind = "parse error" if "parse error" in before else "execution error" if "execution error" in before else ""
        detail = " ".join(after.lstrip(" ):").split())
        detail = f"{kind}: {detail}" if kind else detail
        path = self.display_key(match["key"])
        column = int(match["column"]) + 1 if match["column"] else 1
        return RenderProblem(path, int(match["line"]), column, f"template error: {detail}", environment)
