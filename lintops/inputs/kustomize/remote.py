"""Which entries of a kustomization would make kustomize reach the network or run git: every one is refused.

Kustomize loads a good part of a kustomization from wherever its entries point, and does so before it
checks anything else (checked with kustomize v5.5, ``kubectl kustomize``):

- any field it reads a file from (``patches[].path``, generator ``files``/``envs``/``env``,
  ``openapi.path``, ``crds``, ``configurations``, ``replacements[].path``, ``transformers`` ...) sends
  an HTTP GET for an ``http://`` or ``https://`` entry, whatever the case of the scheme;
- ``resources``, ``bases`` and ``components`` (and ``transformers``, ``generators``, ``validators``,
  which may name kustomizations) run ``git init``/``fetch`` for a repository address: ``https://``,
  ``http://``, ``ssh://`` and ``file://`` URLs, ``git::`` addresses, scp-like ``user@host:path`` and
  ``user@host/path`` (git then runs ``ssh``), and ``github.com/org/repo`` without a scheme (any case).
  The address is tried *before* a local directory of the same name, so an existing directory called
  ``github.com/org/repo`` does not make the entry local;
- ``helmCharts`` with a ``repo`` would run ``helm pull`` when the chart is not vendored in the chart
  home (:mod:`.helm_entries`); a vendored chart is used as found, so only the other case is refused.

Older kustomize releases (and ArgoCD's) also clone schemeless addresses of any host
(``example.com/org/repo//dir?ref=v1``), and git itself takes ``host:path`` as ssh; those forms are
refused as well. An entry is judged by its text alone, except a schemeless ``host.tld/path``
without any other remote mark, which is remote only when no such local path exists.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...lazy_pattern import lazy
from ...model import Position, join_pointer
from ...parse.stream import parse_bytes, parse_text

if TYPE_CHECKING:  # pragma: no cover
    from .kustomization import Kustomization

#: Fields whose entries are paths (or, for the ones marked in the docstring, kustomizations or inline YAML).
LIST_FIELDS = ("resources", "bases", "components", "crds", "configurations", "transformers", "generators",
               "validators", "patchesStrategicMerge")
#: Fields whose entries are mappings with a ``path``.
PATH_FIELDS = ("patches", "patchesJson6902", "replacements")
GENERATOR_FIELDS = ("configMapGenerator", "secretGenerator")
#: Fields whose entries are plugin configurations (inline, in a file, or the resources of a kustomization).
PLUGIN_FIELDS = ("transformers", "generators", "validators")
#: The keys of a builtin plugin's configuration kustomize loads a file (or a chart) from: PatchTransformer and
#: PatchJson6902Transformer ``path``, PatchStrategicMergeTransformer ``paths``, ReplacementTransformer
#: ``replacements[].path``, ConfigMapGenerator/SecretGenerator ``files``/``envs``/``env``,
#: HelmChartInflationGenerator ``repo``/``valuesFile``/``additionalValuesFiles``/``chartHome``/``configHome``.
_PLUGIN_PATH_KEYS = frozenset({"path", "paths", "files", "envs", "env", "repo", "chartRepoUrl", "valuesFile",
                               "additionalValuesFiles", "chartHome", "configHome"})
#: Hosts kustomize clones from without a scheme (github.com in any case, in v5; the others in older releases).
GIT_HOSTS = frozenset({"github.com", "gitlab.com", "bitbucket.org", "dev.azure.com", "ssh.dev.azure.com"})

_FORCED = lazy(r"^([A-Za-z0-9]+)::")  # go-getter's forced getters: git::, s3::, hg:: ...
_SCHEME = lazy(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_DOS_DRIVE = lazy(r"^[A-Za-z]:[\\/]")
_HOST = lazy(r"^(?=.{4,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}(?::\d+)?$")
_REPOSITORY_MARKS = lazy(r"(^[^/]+/.*//)|\?(ref|version|timeout|submodules)=|\.git(/|$)|/_git/")
_WHAT = {"http": "an HTTP URL", "https": "an HTTPS URL", "ssh": "a git ssh:// URL", "git": "a git:// URL",
         "file": "a file:// URL (kustomize clones it with git)"}


@dataclass(frozen=True)
class RemoteEntry:
    """An entry of a kustomization that names a remote address; the overlay is not rendered when there is one."""

    kustomization: Kustomization
    #: The entry's node in the kustomization file.
    pointer: str
    #: How a person names the entry (``patches[0].path``).
    field: str
    entry: str
    #: What kind of address it is (``an HTTPS URL``).
    form: str
    #: For an address inside a plugin configuration file the entry names: that file and the place in it.
    file: Path | None = None
    at: Position | None = None

    @property
    def source_file(self) -> Path:
        """The file the address is written in (the kustomization, or the plugin configuration it names)."""
        return self.file if self.file is not None else self.kustomization.file

    @property
    def position(self) -> Position:
        return self.at if self.at is not None else self.kustomization.position(self.pointer)

    def message(self, root: str) -> str:
        return (f"{self.field} {self.entry!r} is {self.form}: lintops renders without network access and never lets "
                f"kustomize fetch, clone or pull, so the overlay is not rendered; vendor it into the repository, or "
                f"lint the rendered output (`kustomize build {root} | lintops check -`)")


def remote_form(entry: str, directory: Path) -> str | None:
    """What kind of remote address ``entry`` is (``"an HTTPS URL"``), or None for a local path.

    ``directory`` is the kustomization's directory, against which a schemeless ``host.tld/path`` is
    looked up before it is called remote.
    """
    text = entry.strip()
    if not text or "\n" in text or text[0] in "{[":  # an inline patch or configuration, not a reference
        return None
    lowered = text.lower()
    forced = _FORCED.match(text)
    if forced is not None:
        return f"a {forced[1]}:: address"
    if lowered.startswith("gh:"):
        return "a gh: (GitHub) address"
    scheme = _SCHEME.match(text)
    if scheme is not None:
        return _WHAT.get(scheme[1].lower(), f"a URL ({scheme[1]}://)")
    first = text.split("/", 1)[0]
    if ":" in first and not _DOS_DRIVE.match(text):
        return "an scp-like git address (git runs ssh for it)"
    if "@" in first:
        return "a git address with a user (git runs ssh for it)"
    host = first.split("?", 1)[0].lower()
    if host in GIT_HOSTS or (host.startswith("www.") and host[4:] in GIT_HOSTS):
        return f"a {host} repository address"
    if "?ref=" in lowered or "?version=" in lowered:
        return "a remote target with a ref"
    if _HOST.match(host) and "/" in text:
        if _REPOSITORY_MARKS.search(text):
            return f"a repository address on {host}"
        if not (directory / text).exists():
            return f"a remote address on {host} (no such local path)"
    return None


#: ``(pointer, field, entry, form)`` of one remote address (see :func:`remote_entries`).
_Address = tuple[str, str, str, str]


def remote_entries(kustomization: Kustomization) -> Iterator[_Address]:
    """``(pointer, field, entry, form)`` for every remote address of one kustomization, in every field kustomize
    loads from; ``pointer`` names the entry's node in the kustomization file, ``field`` is how a person names it
    (``patches[0].path``)."""
    directory, data = kustomization.directory, kustomization.data
    for key in LIST_FIELDS:
        for index, entry in _items(data, key):
            yield from _check(join_pointer("", key, index), f"{key}[{index}]", entry, directory)
    for key in PATH_FIELDS:
        for index, entry in _items(data, key):
            if isinstance(entry, dict):
                yield from _check(join_pointer("", key, index, "path"), f"{key}[{index}].path", entry.get("path"),
                                  directory)
    yield from _generator_addresses(data, directory)
    openapi = data.get("openapi")
    if isinstance(openapi, dict):
        yield from _check("/openapi/path", "openapi.path", openapi.get("path"), directory)
    yield from _helm_chart_addresses(kustomization)
    yield from _inflation_generator_addresses(data, directory)
    globals_ = data.get("helmGlobals")
    if isinstance(globals_, dict):
        for field in ("chartHome", "configHome"):
            yield from _check(join_pointer("", "helmGlobals", field), f"helmGlobals.{field}", globals_.get(field),
                              directory)


def _check(pointer: str, label: str, value: Any, directory: Path) -> Iterator[_Address]:
    """The address, when ``value`` is a remote one."""
    if isinstance(value, str):
        form = remote_form(value, directory)
        if form is not None:
            yield pointer, label, value, form


def _items(data: dict[str, Any], key: str) -> list[tuple[int, Any]]:
    """The numbered items of a list field (none when the field is anything else)."""
    value = data.get(key)
    return list(enumerate(value)) if isinstance(value, list) else []


def _generator_addresses(data: dict[str, Any], directory: Path) -> Iterator[_Address]:
    """The ``files`` (``key=path``: the path), ``envs`` and ``env`` of every generator."""
    for key in GENERATOR_FIELDS:
        for index, generator in _items(data, key):
            if not isinstance(generator, dict):
                continue
            for field in ("files", "envs"):
                sources = generator.get(field)
                for position, source in enumerate(sources if isinstance(sources, list) else []):
                    pointer = join_pointer("", key, index, field, position)
                    label = f"{key}[{index}].{field}[{position}]"
                    if field == "files" and isinstance(source, str) and "=" in source:  # key=path
                        path = source.split("=", 1)[1]
                        yield from ((p, lbl, source, form) for p, lbl, _, form in _check(pointer, label, path,
                                                                                            directory))
                    else:
                        yield from _check(pointer, label, source, directory)
            yield from _check(join_pointer("", key, index, "env"), f"{key}[{index}].env", generator.get("env"),
                              directory)


def _helm_chart_addresses(kustomization: Kustomization) -> Iterator[_Address]:
    """A ``helmCharts`` entry's ``repo`` when its chart is not vendored, and its values files."""
    directory = kustomization.directory
    for index, chart in _items(kustomization.data, "helmCharts"):
        if not isinstance(chart, dict):
            continue
        repo = chart.get("repo")
        if isinstance(repo, str) and repo.strip():
            from .helm_entries import ChartEntry  # a chart that is vendored is used as found: nothing is pulled

            entry = ChartEntry(kustomization, index, chart)
            if not entry.vendored:
                where = os.path.relpath(entry.chart_directory, directory) if entry.name else "the chart home"
                yield join_pointer("", "helmCharts", index, "repo"), f"helmCharts[{index}].repo", repo, \
                    f"a Helm chart repository, and the chart is not vendored at {Path(where).as_posix()} " \
                    f"(kustomize would run helm pull)"
        yield from _check(join_pointer("", "helmCharts", index, "valuesFile"), f"helmCharts[{index}].valuesFile",
                          chart.get("valuesFile"), directory)
        extra = chart.get("additionalValuesFiles")
        for position, path in enumerate(extra if isinstance(extra, list) else []):
            yield from _check(join_pointer("", "helmCharts", index, "additionalValuesFiles", position),
                              f"helmCharts[{index}].additionalValuesFiles[{position}]", path, directory)


def _inflation_generator_addresses(data: dict[str, Any], directory: Path) -> Iterator[_Address]:
    """``helmChartInflationGenerator`` (the field ``helmCharts`` replaced): its chart repository, home and values."""
    for index, chart in _items(data, "helmChartInflationGenerator"):
        if not isinstance(chart, dict):
            continue
        url = chart.get("chartRepoUrl")
        if isinstance(url, str) and url.strip():
            yield join_pointer("", "helmChartInflationGenerator", index, "chartRepoUrl"), \
                f"helmChartInflationGenerator[{index}].chartRepoUrl", url, \
                "a Helm chart repository (kustomize would run helm pull)"
        for field in ("chartHome", "values"):
            yield from _check(join_pointer("", "helmChartInflationGenerator", index, field),
                              f"helmChartInflationGenerator[{index}].{field}", chart.get(field), directory)


def plugin_remote_entries(kustomization: Kustomization, read: Callable[[Path], object],
                          plugin_resources: bool = False) -> Iterator[RemoteEntry]:
    """Remote addresses inside the plugin configurations a kustomization names.

    A ``transformers``, ``generators`` or ``validators`` entry is a builtin plugin's configuration
    (inline, in a file, or the resources of a kustomization directory), and kustomize loads what its
    ``path``, ``files``, ``repo`` ... name: a PatchTransformer with ``path: https://...`` sends a GET.
    ``read`` reads a file of the tree (anything but bytes when it may not be read, as
    ``LintedRoot.read``); ``plugin_resources`` says that ``kustomization`` was itself named by such a
    field, so that its ``resources`` are plugin configurations too.
    """
    fields = (*PLUGIN_FIELDS, "resources") if plugin_resources else PLUGIN_FIELDS
    for key in fields:
        value = kustomization.data.get(key)
        for index, entry in enumerate(value if isinstance(value, list) else []):
            if not isinstance(entry, str):
                continue
            pointer, label = join_pointer("", key, index), f"{key}[{index}]"
            if "\n" in entry or entry.lstrip()[:1] in ("{", "["):  # inline: reported at the entry
                for document in parse_text(entry, str(kustomization.file)).documents:
                    for _, where, value_, form in _configuration_addresses(document.data, kustomization.directory):
                        yield RemoteEntry(kustomization, pointer, f"{label} ({_kind(document.data)}) {where}",
                                          value_, form)
                continue
            path = kustomization.directory / entry
            if remote_form(entry, kustomization.directory) is not None or not path.is_file():
                continue  # remote (reported as such), a directory (walked as a kustomization), or missing
            raw = read(path)
            if not isinstance(raw, bytes):
                continue  # refused: reported as unsafe
            for document in parse_bytes(raw, str(path)).documents:
                for inner, where, value_, form in _configuration_addresses(document.data, kustomization.directory):
                    yield RemoteEntry(kustomization, pointer, f"{_kind(document.data)} {where} (named by {label})",
                                      value_, form, file=path, at=document.position(inner))


def _kind(data: Any) -> str:
    kind = data.get("kind") if isinstance(data, dict) else None
    return kind if isinstance(kind, str) and kind else "plugin configuration"


def _configuration_addresses(node: Any, directory: Path, path: tuple[str | int, ...] = ()
                             ) -> Iterator[tuple[str, str, str, str]]:
    """``(pointer, dotted place, address, form)`` of every remote address at a loading key of a plugin config."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _configuration_addresses(item, directory, (*path, index))
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        here = (*path, str(key))
        if key in _PLUGIN_PATH_KEYS:
            values = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
            for index, item in values:
                if not isinstance(item, str):
                    continue
                at = here if index is None else (*here, index)
                address = item.split("=", 1)[1] if key == "files" and "=" in item else item
                form = remote_form(address, directory)
                if form is not None:
                    yield join_pointer("", *at), _dotted(at), item, form
        elif isinstance(value, (dict, list)):
            yield from _configuration_addresses(value, directory, here)


def _dotted(path: tuple[str | int, ...]) -> str:
    return "".join(f"[{token}]" if isinstance(token, int) else (f".{token}" if i else token)
                   for i, token in enumerate(path))
