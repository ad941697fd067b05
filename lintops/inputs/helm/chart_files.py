"""A chart's files as lintops reads them before Helm does: the entries Helm must not load, and its YAML files.

Kept apart from the chart model (:mod:`.chart`) and its loader (:mod:`.load`) because every stage of
the Helm path reads through here: the loader, the dependency list (:mod:`.dependencies`), the values
of each environment, the schema files (:mod:`.schema`) and the locator.

Before Helm sees a chart, :func:`_refused_entries` looks at every entry of its directory: Helm's
loader reads every file, follows symbolic links (also out of the chart, only logging it) and blocks
on a named pipe. An entry that leads outside the linted root, a special file, a link loop or a file
over the size cap is a problem at that entry, and the chart is then not rendered at all. Not
rendering is the safe choice over rendering a copy without those entries: nothing of such a chart
reaches Helm, so no loader behaviour we did not foresee (``.Files.Glob``, ``.helmignore``, archives
of sub-charts) can bring the entry back, and no finding is made on a render that is not what would
be deployed (a template reading a file that went missing renders differently). The author sees every
refused entry at once; the run goes on with the other inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ...parse.documents import ParsedDocument, ParsedFile
from ...parse.stream import parse_text
from ..files import UNCONFINED, LintedRoot, RefusedFile
from ..rendered import RenderProblem
from ..scan import scan_directory


def _refused_entries(chart_dir: Path, within: LintedRoot, display: Callable[[Path], str],
                     why: str = "Helm would load it") -> list[RenderProblem]:
    """A problem at each entry of the chart directory Helm must not load (see the module docstring)."""
    problems = []
    for path, refusal in scan_directory(within, chart_dir):
        name = path.relative_to(chart_dir).as_posix() if path != chart_dir else "the chart directory"
        problems.append(RenderProblem(display(path), 1, 1, f"{name} {refusal.detail}; {why}, so the "
                                                           f"chart is not rendered"))
    return problems


def _read_yaml(path: Path, display: Callable[[Path], str],
               within: LintedRoot | None = None) -> tuple[ParsedFile | None, RenderProblem | None]:
    """A chart's YAML file (``within``: what it must stay inside; the chart itself was scanned already)."""
    try:
        text = (within or UNCONFINED).read_text(path)
    except RefusedFile as exc:
        return None, RenderProblem(display(path), 1, 1, f"{path.name} {exc.refusal.detail}; not read")
    except OSError as exc:
        return None, RenderProblem(display(path), 1, 1, f"cannot read {path.name}: {exc.strerror or exc}")
    except UnicodeDecodeError:
        return None, RenderProblem(display(path), 1, 1, f"{path.name} is not UTF-8 text")
    parsed = parse_text(text, display(path), is_json=path.suffix == ".json")
    for problem in parsed.problems:
        if problem.rule_id != "duplicate-key":
            return parsed, RenderProblem(display(path), problem.position.line, problem.position.column,
                                         f"{path.name} cannot be read: {problem.message}")
    return parsed, None


def _document(parsed: ParsedFile | None) -> ParsedDocument | None:
    """The first document of a parsed file that holds data (None for an empty or unread file)."""
    if parsed is None:
        return None
    return next((d for d in parsed.documents if d.data is not None), None)
