"""``junit``: JUnit XML, for GitLab's test report widget and Jenkins (``artifacts:reports:junit``).

One ``testsuite`` per file (``name`` = path), one ``testcase`` per linted object, so a clean object is
a passed test and the widget counts what was checked:

- ``classname`` = the file's path, ``name`` = ``Kind namespace/name`` (``Kind name`` without a
  namespace), ``file`` = the path. Names are unique within a file (a second object of the same name
  gets `` #2``), so every ``classname`` + ``name`` pair is unique in the report: GitLab keeps only the
  first test case of a pair.
- Findings that belong to no object (YAML syntax errors) go to a test case named ``(file)``.
- Each finding at or above ``--fail-on`` (errors by default) is a ``failure`` whose ``message``
  and text carry ``path:line:col``, the rule id and the message; the text adds the object, the pointer,
  the environments, the remediation and, when the run has one, the rule's documentation link
  (``documentation: URL``, :mod:`lintops.rule_links`): JUnit has no field for a link, and GitLab's test
  report shows the failure's text. Findings below the threshold, and suppressed findings, are
  listed in the test case's ``system-out``; they do not fail it.

Without the objects' names (a file report that only counts its objects), the objects with findings are
named from their findings and the others are counted as passed test cases named ``object #N``.

A finding that stands for several objects (one values key feeding seven Services) is in the test case
of each of them, in the suite of the file where it is fixed: each object it makes wrong fails.

The run's summary is a last ``testsuite`` named ``lintops`` with no test cases and one ``property``
per count (``files``, ``objects``, ``rendered``, ``linted_alone``, ``not_linted``, ``findings``,
``errors``, ``warnings``, ``info``, ``suppressed``, ``skipped``): the JUnit schema has properties only
on suites.

The report validates against the Jenkins JUnit 4 XSD except for ``testcase/@file``, which that XSD does
not declare and which GitLab reads (to link the file). Written once, at the end of the run.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..fingerprint import normalize_path
from ..lazy_pattern import lazy
from .base import Reporter

if TYPE_CHECKING:  # pragma: no cover
    from ..model import Finding, ObjectRef, RunSummary
    from ..run_context import FileReport

FILE_CASE = "(file)"
# Characters XML 1.0 cannot carry at all (control characters other than tab, LF and CR; lone surrogates).
_NOT_XML = lazy("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text) if _NOT_XML.search(text) else text


def case_name(ref: ObjectRef) -> str:
    name = ref.name or "<unnamed>"
    return f"{ref.kind} {ref.namespace}/{name}" if ref.namespace else f"{ref.kind} {name}"


def headline(finding: Finding) -> str:
    loc = finding.location
    message = " ".join(finding.message.split())
    where = f"{normalize_path(loc.path)}:{loc.line}:{loc.column}"
    return f"{where}: {finding.severity.value}: {message} [{finding.rule_id}]"


def details(finding: Finding, docs_url: str | None = None) -> str:
    """The failure's text: the headline, then one ``name: value`` line per fact (``docs_url``: the rule's link)."""
    lines = [headline(finding)]
    objects = finding.distinct_objects
    if len(objects) == 1:
        lines.append(f"object: {objects[0]}")
    elif objects:
        lines.append(f"objects: {', '.join(str(obj) for obj in objects)}")
    if finding.pointer:
        lines.append(f"pointer: {finding.pointer}")
    for related in finding.related:
        lines.append(f"related: {normalize_path(related.path)}:{related.line}:{related.column}")
    if finding.environment:
        lines.append(f"environment: {', '.join(finding.environment)}")
    if finding.linted_alone:
        lines.append(f"linted alone: {', '.join(finding.linted_alone)} did not render")
    if finding.remediation:
        lines.append(f"remediation: {finding.remediation}")
    if docs_url:
        lines.append(f"documentation: {docs_url}")
    if finding.suppressed:
        lines.append(f"suppressed: {finding.suppression_reason or 'yes'}")
    return "\n".join(lines)


@dataclass
class _File:
    """What the run said about one path (a file's report, then possibly held-back findings)."""

    path: str
    objects: int = 0
    refs: list[ObjectRef] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


class JunitReporter(Reporter):
    name = "junit"
    description = "JUnit XML: a test suite per file, a test case per object (GitLab and Jenkins test reports)."

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.files: dict[str, _File] = {}
        self.links = {spec.id: spec.docs_url for spec in self.run.rules if spec.docs_url}

    def file_done(self, report: FileReport) -> None:
        resources = getattr(report, "resources", None) or ()
        if not (report.findings or report.objects or resources):
            return
        entry = self.files.setdefault(report.path, _File(report.path))
        entry.objects += report.objects
        entry.refs.extend(getattr(r, "ref", r) for r in resources)
        entry.findings.extend(report.findings)

    # -- building the document ------------------------------------------------------------------------

    def _fails(self, finding: Finding) -> bool:
        return not finding.suppressed and finding.severity.at_least(self.run.fail_on)

    def _cases(self, entry: _File) -> list[tuple[str, list[Finding]]]:
        """(name, findings) per test case of one file, in the order of the file."""
        cases: list[tuple[str, list[Finding]]] = []
        first_case: dict[ObjectRef, list[Finding]] = {}
        used = {FILE_CASE}
        for ref in entry.refs:  # every object, when the report names them (duplicates too)
            findings: list[Finding] = []
            first_case.setdefault(ref, findings)
            cases.append((_unique(case_name(ref), used), findings))
        file_findings: list[Finding] = []
        for finding in entry.findings:
            objects = finding.distinct_objects
            if not objects:
                file_findings.append(finding)
                continue
            for obj in objects:  # in the test case of every object it stands for
                if obj not in first_case:  # an object known only from its findings
                    first_case[obj] = []
                    cases.append((_unique(case_name(obj), used), first_case[obj]))
                first_case[obj].append(finding)
        number = 0
        for _ in range(max(0, entry.objects - len(cases))):  # objects counted but not named
            number += 1
            while f"object #{number}" in used:
                number += 1
            cases.append((f"object #{number}", []))
        return [(FILE_CASE, file_findings), *cases] if file_findings else cases

    def _suite(self, entry: _File) -> tuple[ET.Element, int, int]:
        path = xml_text(normalize_path(entry.path))
        suite = ET.Element("testsuite", name=path)
        tests = failed = 0
        for name, findings in self._cases(entry):
            tests += 1
            case = ET.SubElement(suite, "testcase", classname=path, name=xml_text(name), file=path)
            failing = [f for f in findings if self._fails(f)]
            for finding in failing:
                failure = ET.SubElement(case, "failure", message=xml_text(headline(finding)), type=finding.rule_id)
                failure.text = xml_text(details(finding, self.links.get(finding.rule_id)))
            others = [f for f in findings if not self._fails(f)]
            if others:
                ET.SubElement(case, "system-out").text = xml_text(
                    "\n\n".join(details(f, self.links.get(f.rule_id)) for f in others))
            failed += bool(failing)
        suite.set("tests", str(tests))
        suite.set("failures", str(failed))
        suite.set("errors", "0")
        suite.set("skipped", "0")
        return suite, tests, failed

    def document(self, summary: RunSummary | None = None) -> ET.Element:
        root = ET.Element("testsuites", name="lintops")
        tests = failed = 0
        for entry in self.files.values():
            suite, suite_tests, suite_failed = self._suite(entry)
            if suite_tests:
                root.append(suite)
                tests += suite_tests
                failed += suite_failed
        if summary is not None:
            root.append(summary_suite(summary))
        root.set("tests", str(tests))
        root.set("failures", str(failed))
        root.set("errors", "0")
        return root

    def finish(self, summary: RunSummary) -> None:
        root = self.document(summary)
        ET.indent(root)
        self.stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        self.stream.write(ET.tostring(root, encoding="unicode"))
        self.stream.write("\n")


def summary_suite(summary: RunSummary) -> ET.Element:
    """The run's counts as the properties of an empty suite named ``lintops``."""
    suite = ET.Element("testsuite", name="lintops", tests="0", failures="0", errors="0", skipped="0")
    properties = ET.SubElement(suite, "properties")
    for name, value in (("files", summary.files), ("objects", summary.objects), ("rendered", summary.rendered),
                        ("linted_alone", summary.linted_alone), ("not_linted", summary.not_linted),
                        ("findings", summary.findings), ("errors", summary.errors), ("warnings", summary.warnings),
                        ("info", summary.infos), ("suppressed", summary.suppressed), ("skipped", summary.skipped)):
        ET.SubElement(properties, "property", name=name, value=str(value))
    return suite


def _unique(name: str, used: set[str]) -> str:
    candidate, number = name, 1
    while candidate in used:
        number += 1
        candidate = f"{name} #{number}"
    used.add(candidate)
    return candidate
