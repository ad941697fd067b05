#!/usr/bin/env python3
"""Objects per chart and Kustomize overlay: what Helm or ``kubectl kustomize`` produce, what lintops lints.

A gate is only as good as its picture of what the cluster receives. This script sets that picture
beside the reference tools, for every chart and Kustomize root below DIRECTORY, found as lintops
finds them (its discovery, its configuration, each chart's environments and the ArgoCD Applications
that deploy it), and prints one Markdown table row per root:

- **reference**: for a chart, what ``helm template RELEASE CHART --namespace NS --kube-version 1.N
  [-f VALUES ...]`` prints for each environment and target version lintops renders. There is no
  ``helm`` binary to run, so it is computed with helm-python-sdk (Helm's Go engine; the library's
  native render with the options lintops' render worker gives it, in a child process with lintops'
  offline environment) plus the steps ``helm template`` takes around the engine: it refuses a chart
  whose ``Chart.yaml`` dependencies are not loaded from ``charts/``, and one whose ``kubeVersion``
  excludes the target (decided by Helm itself: ``semverCompare`` is the same Masterminds check);
  it drops every ``NOTES.txt`` and partial, cuts each file as ``releaseutil.SplitManifests`` does
  (ported here on its own, so that lintops' splitter is compared, not reused), keeps hooks and
  tests, and leaves ``crds/`` out (no ``--include-crds``). For an overlay: ``kubectl kustomize DIR``
  as it is (default load restrictor, no ``--enable-helm``), in the same offline environment.
- **render**: the documents ``lintops render ROOT`` prints, by kind/namespace/name.
- **check**: what ``lintops check --format json ROOT`` accounts for: the summary's ``rendered``,
  ``linted_alone`` and ``not_linted``, and the plain objects of the run (a chart's ``crds/``).
- the difference between reference and render, by name, and whether render and check agree.

Each root is rendered and checked on its own; a root whose directory holds other roots has their
objects subtracted. A last row runs both commands on DIRECTORY as a whole. Objects are named
``Kind/namespace/name`` (``Kind/name`` without a namespace), prefixed ``env@`` when the root has
several environments; ``+`` marks what only lintops has, ``-`` what only the reference has.

    python scripts/corpus_objects.py /path/to/corpus            # lintops' target version (default 1.18)
    python scripts/corpus_objects.py examples -k 1.33           # render and check for Kubernetes 1.33
    python scripts/corpus_objects.py examples --json            # the same data, as JSON

Writes nothing into DIRECTORY: Helm and kubectl run in a temporary directory, lintops writes no file.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

#: ``strings.TrimSpace`` (Go's ``unicode.IsSpace``).
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
            "\u2028\u2029\u202f\u205f\u3000"
#: ``releaseutil``'s separator, ``(?:^|\s*\n)---\s*`` with Go's ASCII ``\s``.
_HELM_SEPARATOR = re.compile(r"(?:^|[\t\n\f\r ]*\n)---[\t\n\f\r ]*")
#: A document header of ``lintops render``.
_RENDER_HEADER = re.compile(r"^---\n# Source: (?P<path>.*) \(environment: (?P<env>[^,()]*)"
                            r"(?:, Kubernetes (?P<versions>[^()]*))?\)$", re.MULTILINE)
_TEST_HOOKS = {"test", "test-success", "test-failure"}


def split_manifests(text: str) -> list[str]:
    """Helm's ``releaseutil.SplitManifests``: trim, split at the separator, drop empty pieces, trim each."""
    return [piece.strip(_GO_SPACE) for piece in _HELM_SEPARATOR.split(text.strip(_GO_SPACE)) if piece != ""]


def object_key(body: Any) -> str | None:
    """``Kind/namespace/name`` of a document (``Kind/name`` without a namespace); None if it is no object
    (a mapping with ``apiVersion`` and ``kind``, which is what Helm's install and kubectl accept)."""
    if not isinstance(body, dict) or not body.get("kind") or not body.get("apiVersion"):
        return None
    metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    name = metadata.get("name") or metadata.get("generateName") or "?"
    namespace = metadata.get("namespace")
    return "/".join(str(part) for part in (body["kind"], namespace, name) if part)


def _load(text: str) -> tuple[list[Any], str | None]:
    try:
        return list(yaml.safe_load_all(text)), None
    except yaml.YAMLError as exc:
        return [], " ".join(str(exc).split())


# -- the Helm side: a child process with helm-python-sdk, in lintops' offline environment ----------------

_HELM_CHILD = r'''
import json, sys, tempfile
from pathlib import Path
import helm_python as helm
from helm_python import _native

def merge(a, b):  # helm's mergeMaps, how -f files and --set combine
    out = dict(a)
    for key, value in b.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out

def admits(constraint, version, probe):  # Helm's IsCompatibleRange, through the same Masterminds semver
    try:
        return probe.render({"c": constraint, "v": version})["probe/templates/probe.yaml"].strip() == "true"
    except helm.HelmError:
        return False

request = json.load(sys.stdin)
with tempfile.TemporaryDirectory() as scratch:
    (Path(scratch) / "templates").mkdir()
    (Path(scratch) / "Chart.yaml").write_text("apiVersion: v2\nname: probe\nversion: 0.1.0\n")
    (Path(scratch) / "templates" / "probe.yaml").write_text("{{ semverCompare .Values.c .Values.v }}")
    probe = helm.Chart.load(scratch)
reply = {"renders": []}
with helm.Chart.load(request["chart"]) as chart:
    metadata = chart.metadata
    reply["crds"] = [crd["name"] for crd in chart.crds]
    loaded = {dependency.get("name") for dependency in chart.dependencies}
    missing = [d.get("name") for d in metadata.get("dependencies") or [] if d.get("name") not in loaded]
    for environment in request["environments"]:
        values = {}
        for path in environment["values_files"]:
            values = merge(values, helm.values_from_yaml(Path(path).read_text(encoding="utf-8")))
        values = merge(values, environment["values"])
        for version in environment["versions"]:
            render = {"environment": environment["name"], "version": version, "defaults": environment.get("defaults")}
            kube = f"v{version}.0" if version else None
            if missing:  # action.CheckDependencies, before anything renders
                render["error"] = "found in Chart.yaml, but missing in charts/ directory: " + ", ".join(missing)
            elif kube and metadata.get("kubeVersion") and not admits(str(metadata["kubeVersion"]), kube, probe):
                render["error"] = (f"chart requires kubeVersion: {metadata['kubeVersion']} which is incompatible "
                                   f"with Kubernetes {kube}")
            else:
                options = {"is_install": True, "name": environment["release"], "namespace": environment["namespace"]}
                if kube:
                    options["kube_version"] = kube
                try:
                    render["manifests"] = json.loads(_native.call_string(
                        "helm_render", chart._raw(), json.dumps(values), json.dumps(options)))
                except helm.HelmError as exc:
                    render["error"] = " ".join((getattr(exc, "detail", None) or str(exc)).split())
            reply["renders"].append(render)
probe.close()
json.dump(reply, sys.stdout)
'''


def _offline_run(command: Sequence[str], *, stdin: str | None = None, cwd: Path | None = None,
                 timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run a reference tool with lintops' offline environment, in a scratch directory of its own."""
    from lintops.inputs.offline import offline_environment

    with tempfile.TemporaryDirectory(prefix="corpus-objects-") as scratch:
        return subprocess.run(list(command), input=stdin, capture_output=True, text=True, check=False,
                              cwd=cwd or scratch, env=offline_environment(Path(scratch)), timeout=timeout)


@dataclass
class Reference:
    """What the reference tool produced for one root: objects by (environment, version), errors, notes."""

    objects: Counter[tuple[str | None, str | None, str]] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def helm_template(chart: Path, environments: list[dict[str, Any]]) -> Reference:
    """``helm template`` of ``chart`` for each environment and version (see the module docstring)."""
    done = _offline_run([sys.executable, "-I", "-c", _HELM_CHILD], stdin=json.dumps(
        {"chart": str(chart), "environments": environments}))
    reference = Reference()
    if done.returncode != 0:
        reference.errors.append(f"helm-python-sdk failed: {done.stderr.strip().splitlines()[-1:]}")
        return reference
    reply = json.loads(done.stdout)
    notes: Counter[str] = Counter()
    for render in reply["renders"]:
        if "error" in render and render["defaults"]:
            notes[f"with the chart's defaults alone: {render['error']}"] += 1
            continue
        if "error" in render:
            reference.errors.append(render["error"])
            continue
        errors: list[str] = []
        objects = _helm_objects(render["manifests"], errors, Counter() if render["defaults"] else notes)
        if errors:  # SortManifests fails: helm template prints the files and exits 1, install refuses
            reference.errors += errors if not render["defaults"] else []
            continue
        if render["defaults"]:  # the chart's defaults alone, which lintops does not render when it has environments
            count = sum(objects.values())
            notes[f"with the chart's defaults alone (no -f): {count} object{'s' * (count != 1)}"] += 1
            continue
        for key, count in objects.items():
            reference.objects[(render["environment"], render["version"], key)] += count
    if reply["crds"]:
        notes[f"crds/ left out: {', '.join(reply['crds'])}"] += 1
    reference.notes = [f"{note} x{count}" if count > 1 else note for note, count in sorted(notes.items())]
    reference.errors = list(dict.fromkeys(reference.errors))
    return reference


def _helm_objects(manifests: dict[str, str], errors: list[str], notes: Counter[str]) -> Counter[str]:
    """The objects of one render's files as ``helm template`` prints them and Helm's install applies them
    (the items of a ``kind: List`` each), by key; what it leaves out or marks goes to ``notes``."""
    found: Counter[str] = Counter()
    for path, text in sorted(manifests.items()):
        if path.endswith("NOTES.txt"):
            notes["NOTES.txt dropped"] += 1
            continue
        if Path(path).name.startswith("_") or not text.strip():
            continue
        for piece in split_manifests(text):
            documents, error = _load(piece)
            if error is not None:
                errors.append(f"YAML parse error on {path}: {error}")
                continue
            body = documents[0] if documents else None
            key = object_key(body)
            if key is None:
                notes["document without an object"] += 1
                continue
            annotations = (body.get("metadata") or {}).get("annotations") or {}
            hooks = {hook.strip() for hook in str(annotations.get("helm.sh/hook", "")).split(",") if hook.strip()}
            if hooks & _TEST_HOOKS:
                notes[f"test hook {key}"] += 1
            elif hooks:
                notes[f"hook {key}"] += 1
            if str(body["kind"]).endswith("List") and isinstance(body.get("items"), list):
                notes[f"{key}: {len(body['items'])} items (Helm's install applies each)"] += 1
                found.update(item_key for item_key in map(object_key, body["items"]) if item_key)
                continue
            found[key] += 1
    return found


def kubectl_kustomize(directory: Path, environment: str | None) -> Reference:
    """``kubectl kustomize DIRECTORY`` as it is, offline."""
    reference = Reference()
    try:
        done = _offline_run(["kubectl", "kustomize", str(directory)])
    except OSError as exc:
        reference.errors.append(f"kubectl cannot run: {exc}")
        return reference
    if done.returncode != 0:
        reference.errors.append(_first_line(done.stderr or done.stdout))
        return reference
    documents, error = _load(done.stdout)
    if error is not None:
        reference.errors.append(error)
    for body in documents:
        key = object_key(body)
        if key is not None:
            reference.objects[(environment, None, key)] += 1
    return reference


#: The prefix klog writes before kubectl's errors (severity, date, time, process id, source line): it
#: changes on every run, so it is no part of the message a table shows.
_KLOG_PREFIX = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+ [^\]]*\] ")


def _first_line(text: str) -> str:
    lines = [_KLOG_PREFIX.sub("", line) for line in text.strip().splitlines() if line.strip()]
    return " ".join(lines[0].split())[:300] if lines else ""


# -- the lintops side: the real command line ---------------------------------------------------------------

def _lintops(arguments: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lintops", *arguments], capture_output=True, text=True,
                          check=False, cwd=cwd, timeout=900)


@dataclass
class Lintops:
    """What ``lintops render`` printed and ``lintops check --format json`` counted for one path."""

    documents: Counter[tuple[str | None, str | None, str]] = field(default_factory=Counter)
    count: int = 0  # documents printed (one per document, whatever its versions)
    errors: list[str] = field(default_factory=list)
    summary: dict[str, int] = field(default_factory=dict)

    def minus(self, other: Lintops) -> Lintops:
        return Lintops(self.documents - other.documents, self.count - other.count,
                       [e for e in self.errors if e not in other.errors],
                       {k: v - other.summary.get(k, 0) for k, v in self.summary.items()})


def _versions(text: str | None) -> list[str | None]:
    if not text:
        return [None]
    return [v.strip() for v in re.split(r",| and ", text) if v.strip()]


def lintops_render(path: str, versions: Sequence[str], cwd: Path) -> Lintops:
    """The objects ``lintops render PATH`` prints, with the environment and versions of their headers.

    A printed document that is no object (it does not parse, or lacks ``apiVersion`` or ``kind``) is not
    counted: ``check`` reports it as a finding instead. ``count`` counts each object once, whatever the
    number of versions its header names, as ``check`` does.
    """
    done = _lintops(["render", *(f"-k{v}" for v in versions), path], cwd)
    result = Lintops(errors=[_strip_location(line) for line in done.stderr.splitlines() if ": error: " in line])
    if done.returncode not in (0, 1):
        result.errors.append(f"lintops render exited {done.returncode}: {_first_line(done.stderr)}")
    headers = list(_RENDER_HEADER.finditer(done.stdout))
    ends = [header.start() for header in headers[1:]] + [len(done.stdout)] * bool(headers)
    others: Counter[str] = Counter()
    for header, end in zip(headers, ends, strict=True):
        documents, error = _load(done.stdout[header.end():end])
        key = object_key(documents[0] if documents else None) if error is None else None
        if key is None:
            others[f"{header['path']}: {'does not parse' if error else 'not an object'}"] += 1
            continue
        result.count += 1
        environment = None if header["env"] == "default" else header["env"]
        for version in _versions(header["versions"]):
            result.documents[(environment, version, key)] += 1
    result.errors += [f"document that is no object, {what}" + (f" x{n}" if n > 1 else "") for what, n in others.items()]
    return result


def _strip_location(line: str) -> str:
    return line.split(": error: ", 1)[1] if ": error: " in line else line


def lintops_check(path: str, versions: Sequence[str], cwd: Path) -> dict[str, int]:
    """The summary of ``lintops check --format json PATH``."""
    done = _lintops(["check", "-q", "--format", "json", *(f"-k{v}" for v in versions), path], cwd)
    if done.returncode not in (0, 1):
        raise SystemExit(f"lintops check {path} exited {done.returncode}: {done.stderr.strip()}")
    summary: dict[str, int] = json.loads(done.stdout)["summary"]
    return summary


# -- roots, as lintops finds them ------------------------------------------------------------------------------

@dataclass
class Root:
    kind: str  # "chart" or "kustomize"
    display: str
    directory: Path
    #: What lintops renders: a chart's environments (name, values_files, values, release, namespace, versions;
    #: ``defaults`` marks the chart's defaults alone, rendered for a note only), an overlay's one name.
    environments: list[dict[str, Any]]
    nested: list[str] = field(default_factory=list)  # roots lintops also finds below this one's directory


def find_roots(directory: Path, versions: Sequence[str], base: Path) -> list[Root]:
    """Every chart and Kustomize root lintops finds below ``directory``, with what it renders each for."""
    run = _prepare(directory, versions, base)
    roots = [_root(item, run) for item in run.discover([str(directory)]) if _is_root(item)]
    for root in roots:
        inside = _prepare(root.directory, versions, base)
        found = {item.display for item in inside.discover([str(root.directory)]) if _is_root(item)}
        root.nested = sorted(found - {root.display})
    return roots


def _prepare(directory: Path, versions: Sequence[str], base: Path):
    from lintops.runner import Settings, prepare

    return prepare(Settings(paths=(str(directory),), kubernetes_version=tuple(versions) or None, base_dir=base))


def _is_root(item: Any) -> bool:
    from lintops.inputs.discover import ChartInput, KustomizeInput

    return isinstance(item, (ChartInput, KustomizeInput))


def _root(item: Any, run: Any) -> Root:
    from lintops.inputs.discover import ChartInput
    from lintops.inputs.helm.environments import _settings, find_environments

    options = run.options
    if not isinstance(item, ChartInput):
        environment = item.applications[0].environment if len(item.applications) == 1 else None
        return Root("kustomize", item.display, item.directory,
                    [{"name": environment or item.directory.name, "versions": [None]}])
    settings = _settings(item.directory, options.helm, None)
    chart_name = (yaml.safe_load((item.directory / "Chart.yaml").read_text(encoding="utf-8")) or {}).get("name")
    release = settings.release_name or chart_name
    namespace = settings.namespace or "default"
    if item.applications:
        environments = [{"name": app.environment, "values_files": [str(p) for p in app.value_files],
                         "values": dict(app.values), "release": app.release_name or release,
                         "namespace": app.namespace or namespace} for app in item.applications]
    else:
        environments = [{"name": env.name, "values_files": [str(p) for p in env.values_files], "values": {},
                         "release": release, "namespace": namespace}
                        for env in find_environments(item.directory, options.helm)]
    for environment in environments:
        environment["versions"] = list(options.versions_for(environment["name"]))
    if any(environment["name"] is not None for environment in environments):  # for a note: Helm's plain render
        environments.append({"name": None, "defaults": True, "values_files": [], "values": {}, "release": release,
                             "namespace": namespace, "versions": list(options.versions_for(None))[:1]})
    return Root("chart", item.display, item.directory, environments)


# -- the table ---------------------------------------------------------------------------------------------

@dataclass
class Row:
    root: str
    tool: str
    environments: list[str | None]
    reference: Reference
    render: Lintops

    @property
    def agree(self) -> bool:
        return self.render.count == self.render.summary.get("rendered", -1)

    def difference(self) -> list[str]:
        several = len({key[:2] for key in self.reference.objects} | {key[:2] for key in self.render.documents}) > 1

        def name(key: tuple[str | None, str | None, str]) -> str:
            environment, version, obj = key
            where = "@".join(part for part in (environment or "default", version) if part)
            return f"{where}@{obj}" if several else obj

        extra = self.render.documents - self.reference.objects
        missing = self.reference.objects - self.render.documents
        lines = [f"+{name(k)}" + (f" x{n}" if n > 1 else "") for k, n in sorted(extra.items(), key=_sort)]
        lines += [f"-{name(k)}" + (f" x{n}" if n > 1 else "") for k, n in sorted(missing.items(), key=_sort)]
        return lines

    def as_json(self) -> dict[str, Any]:
        return {"root": self.root, "tool": self.tool, "environments": self.environments,
                "reference": sum(self.reference.objects.values()), "reference_errors": self.reference.errors,
                "reference_notes": self.reference.notes, "render": self.render.count,
                "render_errors": self.render.errors, "check": self.render.summary,
                "agree": self.agree, "difference": self.difference()}


def _sort(item: tuple[tuple[str | None, str | None, str], int]) -> tuple[str, str, str]:
    (environment, version, key), _ = item
    return (environment or "", version or "", key)


def _cell(items: Iterable[str], limit: int = 12, width: int = 240) -> str:
    items = [item if len(item) <= width else item[:width - 1] + "…" for item in items]
    shown = items[:limit] + ([f"… {len(items) - limit} more"] if len(items) > limit else [])
    return "<br>".join(_escape(item) for item in shown) or "—"


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def markdown(rows: list[Row], total: Row) -> str:
    lines = ["| root | reference | objects (reference) | `lintops render` | `lintops check`: rendered / alone / "
             "not linted / plain | render = check | difference (+ lintops only, - reference only) | "
             "reference errors and notes | lintops render errors |",
             "|---|---|---:|---:|---|:---:|---|---|---|"]
    for row in [*rows, total]:
        summary = row.render.summary
        plain = summary.get("objects", 0) - summary.get("rendered", 0) - summary.get("linted_alone", 0)
        check = (f"{summary.get('rendered', 0)} / {summary.get('linted_alone', 0)} / "
                 f"{summary.get('not_linted', 0)} / {plain}")
        environments = [e for e in row.environments if e is not None]
        shown = f"`{row.root}`" + (f" ({', '.join(environments)})" if environments else "")
        lines.append(" | ".join(["", shown, row.tool, str(sum(row.reference.objects.values())), str(row.render.count),
                                 check, "yes" if row.agree else "**no**",
                                 _cell(row.difference()),
                                 _cell([*row.reference.errors, *row.reference.notes]),
                                 _cell(row.render.errors, 6), ""]).strip())
    return "\n".join(lines) + "\n"


def build(directory: Path, versions: Sequence[str]) -> tuple[list[Row], Row]:
    """The rows of every root below ``directory`` and the row of the whole directory."""
    from lintops.inputs.discover import display_path, repository_root

    directory = directory.absolute()
    base = repository_root(directory, fallback=directory)
    roots = find_roots(directory, versions, base)
    runs: dict[str, Lintops] = {}
    for root in roots:
        path = display_path(root.directory, base)
        runs[root.display] = lintops_render(path, versions, base)
        runs[root.display].summary = lintops_check(path, versions, base)
    own: dict[str, Lintops] = {}
    for root in sorted(roots, key=lambda r: -r.display.count("/")):  # the innermost first
        result = runs[root.display]
        for nested in root.nested:
            result = result.minus(own[nested])
        own[root.display] = result
    rows = []
    for root in roots:
        if root.kind == "chart":
            reference = helm_template(root.directory, root.environments)
        else:
            reference = kubectl_kustomize(root.directory, root.environments[0]["name"])
        rows.append(Row(root.display, "helm template" if root.kind == "chart" else "kubectl kustomize",
                        [e["name"] for e in root.environments if not e.get("defaults")], reference,
                        own[root.display]))
    shown = display_path(directory, base)
    whole = lintops_render(shown, versions, base)
    whole.summary = lintops_check(shown, versions, base)
    everything = Reference()
    for row in rows:
        everything.objects.update(row.reference.objects)
    return rows, Row(f"{shown} (whole directory, one run)", "all of the above",
                     [], everything, whole)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("-k", "--kubernetes-version", action="append", default=[], dest="versions",
                        help="passed to lintops (repeatable); default: lintops' own (its configuration, else 1.18)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON instead of a Markdown table")
    arguments = parser.parse_args(argv)
    if not arguments.directory.is_dir():
        parser.error(f"{arguments.directory}: not a directory")
    rows, total = build(arguments.directory, arguments.versions)
    if arguments.json:
        json.dump([row.as_json() for row in [*rows, total]], sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(markdown(rows, total))
    disagree = [row.root for row in [*rows, total] if not row.agree]
    if disagree:
        print(f"lintops render and lintops check disagree on: {', '.join(disagree)}", file=sys.stderr)
    return 1 if disagree else 0


if __name__ == "__main__":
    sys.exit(main())
