"""``lintops diff --format markdown``: the diff as a GitLab merge-request note, cut to fit.

The note starts with :data:`MARKER` (an HTML comment, invisible once rendered), by which the poster
finds and replaces its previous note; then a verdict, a summary table, one collapsible section per
changed environment (open when there are at most :data:`OPEN_SECTIONS`), each object's fields in a
fenced ``diff`` block, and the findings. GitLab refuses a note over 1,000,000 characters, so the note
is cut to ``limit``: the table, the findings and the closing line are placed first, the environments'
objects fill what is left, and whole objects (then sections) are dropped from the end; the last line
says how many objects, environments, findings and table rows were left out.

Every name, path, value and message is the merge request author's, and the note is rendered in every
reviewer's browser and scanned by GitLab for mentions, references and quick actions. So no text from
the tree is ever Markdown or HTML: outside fenced blocks it is an inline code span whose backtick fence
is longer than any backtick run inside (code is neither linked, mentioned nor referenced by GitLab), in
a table cell with ``|`` escaped, and in the HTML ``<summary>`` a ``<code>`` element with the text
HTML-escaped; every ``@`` outside fenced blocks is followed by a zero-width joiner, so that no ``@all``
can ping anyone even where code spans were not respected. Fenced blocks use a fence longer than any
backtick run in their content. Line breaks and control characters are escaped first
(:func:`lintops.diff.text.clean`), so no text from the tree can start a line: no heading, list item,
HTML block, table row, fence or ``/quick action`` of its own.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass

from ..lazy_pattern import lazy
from ..model import Finding
from ..reporters.text import plural
from .json_contract import ordered_environments, ordered_findings, ordered_objects
from .model import ADDED, REMOVED, DiffResult, EnvironmentChanges, FieldChange, ObjectChange
from .text import Totals, clean, environment_counts, finding_text, value_text, verdict

#: The first line of every note: how the poster finds its previous one.
MARKER = "<!-- lintops diff -->"
#: GitLab's limit on a note's length, in characters.
GITLAB_NOTE_LIMIT = 1_000_000
#: The smallest ``limit`` a note is cut to (the verdict, the table's head and the closing line fit).
MIN_NOTE_CHARS = 1_000
#: Sections are open (not collapsed) when at most this many environments changed.
OPEN_SECTIONS = 3
#: How much of ``--base`` the heading shows.
_MAX_REF_CHARS = 100
#: The blank lines after the two lists of findings, which the budget does not count.
_RESERVE = 2
_BACKTICKS = lazy("`+")
_WORDS = {"added": "**+ added**", "removed": "**- removed**", "changed": "**~ changed**"}


def _break_mentions(text: str) -> str:
    return text.replace("@", "@\u200d")


def _fence(text: str, minimum: int) -> str:
    return "`" * max(minimum, max((len(run) for run in _BACKTICKS.findall(text)), default=0) + 1)


def code(text: str) -> str:
    """``text`` as an inline code span that nothing inside can close or turn into Markdown."""
    text = _break_mentions(clean(text)) or " "
    fence = _fence(text, 1)
    pad = " " if text[0] in "` " or text[-1] in "` " else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _cell(text: str) -> str:
    return code(text).replace("|", "\\|")


def _html_code(text: str) -> str:
    return f"<code>{html.escape(_break_mentions(clean(text)))}</code>"


def _diff_lines(change: FieldChange) -> list[str]:
    path = clean(change.path)
    where = f"  ({clean(str(change.location))})" if change.location is not None else ""
    lines = [] if change.change == ADDED else [f"- {path}: {value_text(change.old)}"]
    if change.change != REMOVED:
        lines.append(f"+ {path}: {value_text(change.new)}{where}")
    return lines


def object_block(change: ObjectChange) -> str:
    """One object: a line naming it, where it is written, and its fields in a fenced ``diff`` block."""
    line = f"{_WORDS.get(change.status, _WORDS['changed'])} {code(change.key.label)}"
    if change.location is not None:
        line += f" at {code(str(change.location))}"
    if change.old_api_version and change.old_api_version != change.api_version:
        line += f" ({code(change.old_api_version)} → {code(change.api_version)})"
    block = line + "\n\n"
    lines = [text for field in change.fields for text in _diff_lines(field)]
    if change.omitted_fields:
        lines.append(f"  … and {plural(change.omitted_fields, 'more field')}")
    if lines:
        content = "\n".join(lines)
        fence = _fence(content, 3)
        block += f"{fence}diff\n{content}\n{fence}\n\n"
    return block


def _finding_item(finding: Finding) -> str:
    where, label, rule, message = finding_text(finding)
    return f"- {code(where)} **{label}** {code(rule)}: {code(message)}\n"


class _Budget:
    """What is left of the note's length; a piece is taken whole or not at all."""

    def __init__(self, chars: int) -> None:
        self.left = chars

    def take(self, *pieces: str) -> bool:
        size = sum(map(len, pieces))
        if size > self.left:
            return False
        self.left -= size
        return True


@dataclass
class _Left:
    """What the cut left out, for the closing line."""

    objects: int = 0
    environments: int = 0
    findings: int = 0
    rows: int = 0

    def line(self, totals: Totals) -> str:
        parts = []
        if self.objects:
            objects = totals.added + totals.removed + totals.changed
            parts.append(f"{self.objects} of {plural(objects, 'object')}")
            if self.environments:
                parts[-1] += f" ({self.environments} of {totals.changed_environments} changed environments entirely)"
        if self.findings:
            parts.append(f"{self.findings} of {plural(totals.introduced + totals.resolved, 'listed finding')}")
        if self.rows:
            parts.append(f"{plural(self.rows, 'row')} of the summary table")
        return (f"_Left out to stay under the note size limit: {', '.join(parts)}. The full report is in the "
                "job's JSON and text artifacts._\n")


def _head(result: DiffResult, totals: Totals) -> str:
    ref = result.base_ref[:_MAX_REF_CHARS] + ("…" if len(result.base_ref) > _MAX_REF_CHARS else "")
    word, _, rest = verdict(result, totals).partition(": ")
    return (f"{MARKER}\n### lintops diff\n\nCompared with {code(ref)} at {code(result.base_commit[:12])}.\n\n"
            f"**{word.capitalize()}**: {rest}. {totals.objects_line().capitalize()}; {totals.findings_line()}.\n\n")


def _table(environments: list[EnvironmentChanges], budget: _Budget, left: _Left) -> str:
    if not environments:
        return "No environment rendered at either side.\n\n"
    rows = ["| Environment | Added | Removed | Changed | Unchanged |\n|---|---:|---:|---:|---:|\n"]
    for index, environment in enumerate(environments):
        row = (f"| {_cell(environment.label)} | {len(environment.added)} | {len(environment.removed)} | "
               f"{len(environment.changed)} | {environment.unchanged} |\n")
        if not budget.take(row, rows[0] if index == 0 else "", "\n" if index == 0 else ""):
            left.rows = len(environments) - index
            break
        rows.append(row)
    return "".join(rows) + "\n" if len(rows) > 1 else ""


def _finding_lists(result: DiffResult) -> list[tuple[str, list[str]]]:
    """The introduced and resolved findings, each list with its heading and one item per finding."""
    return [(f"#### Findings {title} this change ({len(listed)})\n\n",
             [_finding_item(finding) for finding in ordered_findings(listed)])
            for title, listed in (("introduced by", result.findings.introduced),
                                  ("resolved by", result.findings.resolved))]


def _findings(lists: list[tuple[str, list[str]]], budget: _Budget, left: _Left) -> str:
    """The findings that fit, in order; the first that does not ends the lists."""
    pieces: list[str] = []
    stopped = False
    for heading, items in lists:
        taken: list[str] = []
        for item in items:
            if stopped or not budget.take("" if taken else heading, item):
                stopped = True
                left.findings += 1
                continue
            taken += ["" if taken else heading, item]
        if taken:
            pieces += [*taken, "\n"]  # the blank line ending a list: part of the note's reserve
    return "".join(pieces)


def _objects(environment: EnvironmentChanges) -> Iterator[ObjectChange]:
    for objects in (environment.added, environment.removed, environment.changed):
        yield from ordered_objects(objects)


def _sections(changed: list[EnvironmentChanges], budget: _Budget, left: _Left) -> str:
    """The changed environments' sections, each object whole, until the note is full."""
    pieces: list[str] = []
    opened = " open" if len(changed) <= OPEN_SECTIONS else ""
    full = False
    for environment in changed:
        objects = list(_objects(environment))
        opener = f"<details{opened}><summary>{_html_code(environment.label)}: {environment_counts(environment)}" \
                 "</summary>\n\n"
        closer = "</details>\n\n"
        shown: list[str] = []
        for change in objects:
            block = "" if full else object_block(change)
            if full or not budget.take(block, "" if shown else opener + closer):
                full = True
                left.objects += 1
                continue
            shown.append(block)
        if shown:
            pieces += [opener, *shown, closer]
        else:
            left.environments += 1
    return "".join(pieces)


def format_markdown(result: DiffResult, *, limit: int = GITLAB_NOTE_LIMIT) -> str:
    """The note, at most ``limit`` characters (at least :data:`MIN_NOTE_CHARS`)."""
    if limit < MIN_NOTE_CHARS:
        raise ValueError(f"a note limit below {MIN_NOTE_CHARS} characters cannot hold the verdict")
    totals = Totals.of(result)
    unchanged = (f"{plural(totals.unchanged, 'finding')} unchanged (the base has them too).\n\n"
                 if totals.unchanged else "")
    big = _Left(10**9, 10**9, 10**9, 10**9).line(Totals(*[10**9] * 9))
    head = _head(result, totals)
    budget = _Budget(limit - len(head) - len(unchanged) - len(big) - _RESERVE)
    left = _Left()
    table = _table(ordered_environments(result), budget, left)
    lists = _finding_lists(result)
    changed = _changed(result)
    # The findings may take half of what is left when objects compete for it, all of it otherwise;
    # the objects then fill what remains, and the findings what the objects did not take.
    wanted = sum(len(heading) + sum(map(len, items)) for heading, items in lists if items)
    share = min(wanted, budget.left // 2) if changed else wanted
    objects_budget = _Budget(budget.left - share)
    sections = _sections(changed, objects_budget, left)
    findings = _findings(lists, _Budget(budget.left - len(sections)), left)
    closing = left.line(totals) if (left.objects or left.findings or left.rows) else ""
    return head + table + sections + findings + unchanged + closing


def _changed(result: DiffResult) -> list[EnvironmentChanges]:
    """The changed environments, in the order every format lists them."""
    return [environment for environment in ordered_environments(result) if environment.has_changes]
