#!/usr/bin/env python3
"""Regenerate the bundled schema data in schemas/ (run by a developer; linting never needs it).

Kubernetes 1.17 to 1.37: reads ``kubernetes-json-schema/vX.Y.0-local/_definitions.json`` (and its
``-strict`` twin) from the ``kubernetes-validate`` sdists on PyPI: 1.24.1 for 1.17 to 1.24 (layout
``definitions``), 1.37.0 for 1.25 to 1.37 (layout ``$defs``). Downloads them with ``pip download
--no-deps --no-binary :all:`` unless given with ``--sdist``. For every version it checks, and stops if a
check fails:

- the sdist's ``-strict`` set is exactly the non-strict set with ``additionalProperties: false`` added to
  every object schema that lists ``properties`` and has none (checked on the published files as they
  are), and the runtime rule (``lintops.schema.kube.build.strictify``) reproduces the compacted ``-strict`` set
  for every definition and the strict closures of Deployment, Service and ConfigMap;
- only keywords that mean the same in Draft 4 occur; in the ``$defs`` layout, an optional field's type
  includes ``null`` and a required field's never does (the rule lintops applies at run time), and the
  only enums are a kind's own apiVersion and kind (see ``lintops/schema/kube/compact.py``);
- every kind of the index agrees with the sdist's per-kind file.

It writes (see schemas/README.md) ``schemas/kubernetes/definitions.jsonl`` (each distinct compact
definition once, for all versions), ``schemas/kubernetes/v1.N.json`` (the version's index and the line
of each of its definitions) and ``schemas/kubernetes/served.json`` (for each apiVersion and kind, the
versions whose bundle has it), and compares the bundles with the removal table
``schemas/api-lifecycle.yaml``.

CRDs: converts every served version of every CustomResourceDefinition in ``schemas/crds/src/``
to ``schemas/crds/<group>_<version>_<kind>.json`` and writes ``schemas/crds/index.json``.

    python scripts/generate_schemas.py                                   # download the sdists, write all
    python scripts/generate_schemas.py --sdist kubernetes-validate-1.24.1.tar.gz \\
        --sdist kubernetes_validate-1.37.0.tar.gz                        # use downloaded sdists
    python scripts/generate_schemas.py ... --compare kubernetes-validate-1.18.0.tar.gz
                                            # and check that another sdist ships the same files
    python scripts/generate_schemas.py --crds-only                       # only the CRD schemas
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lintops.schema.kube import build as kube_build  # noqa: E402
from lintops.schema.kube import compact as kube_compact  # noqa: E402
from lintops.schema.kube import crd as kube_crd  # noqa: E402
from lintops.schema.kube import lifecycle as api_lifecycle  # noqa: E402
from lintops.schema.kube.bundle import POOL_FILE  # noqa: E402

#: kubernetes-validate release -> the Kubernetes versions taken from it.
SDISTS = {
    "1.24.1": tuple(f"1.{minor}" for minor in range(17, 25)),
    "1.37.0": tuple(f"1.{minor}" for minor in range(25, 38)),
}
KINDS_CHECKED = (("apps/v1", "Deployment"), ("v1", "Service"), ("v1", "ConfigMap"))
#: Keywords of a schema node that the published sets may use (everything else is a reason to stop).
KNOWN_KEYWORDS = kube_compact.KEEP | {"description", "format", "default"}
OUT = ROOT / "schemas" / "kubernetes"


def dump(data: object) -> str:
    return json.dumps(data, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size:,} bytes)")


def download_sdist(version: str, into: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
         f"kubernetes-validate=={version}", "-d", str(into)],
        check=True,
    )
    found = sorted(into.glob(f"kubernetes[-_]validate-{version}.tar.gz"))
    if not found:
        raise SystemExit(f"pip did not produce kubernetes-validate-{version}.tar.gz in {into}")
    return found[0]


def sdist_version(path: Path) -> str:
    match = re.fullmatch(r"kubernetes[-_]validate-(.+)\.tar\.gz", path.name)
    if match is None:
        raise SystemExit(f"{path.name}: not a kubernetes-validate sdist file name")
    return match.group(1)


class Sdist:
    """Reads the schema files of a kubernetes-validate sdist without unpacking all of it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.version = sdist_version(path)
        self.sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
        self._tar = tarfile.open(path, "r:gz")  # noqa: SIM115 - read while the generator runs
        self._members = {member.name: member for member in self._tar.getmembers() if member.isfile()}

    def folder(self, name: str) -> dict[str, str]:
        """file name -> member path for the files of kubernetes-json-schema/<name>/."""
        marker = f"/kubernetes-json-schema/{name}/"
        return {path.rsplit("/", 1)[1]: path for path in self._members if marker in path}

    def read(self, member: str) -> bytes:
        handle = self._tar.extractfile(self._members[member])
        assert handle is not None
        return handle.read()

    def json(self, member: str) -> object:
        return json.loads(self.read(member))


# ----------------------------------------------------------------------------------------------
# Checks


def schema_nodes(node: object):
    """Every schema node below ``node`` (a definition), following only schema-valued keywords."""
    if isinstance(node, list):
        for item in node:
            yield from schema_nodes(item)
        return
    if not isinstance(node, dict):
        return
    yield node
    for key, value in node.items():
        if key in kube_compact.SCHEMA_MAPS and isinstance(value, dict):
            for sub in value.values():
                yield from schema_nodes(sub)
        elif key in kube_compact.SCHEMA_ONE or key in kube_compact.SCHEMA_LISTS:
            yield from schema_nodes(value)


def published_strict(node: object) -> object:
    """The rule the -strict sets follow, applied to a published node as it is."""
    if isinstance(node, list):
        return [published_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: value if key in ("enum", "required", "x-kubernetes-group-version-kind") else published_strict(value)
           for key, value in node.items()}
    if isinstance(node.get("properties"), dict) and "additionalProperties" not in node \
            and node.get("x-kubernetes-preserve-unknown-fields") is not True:
        out["additionalProperties"] = False
    return out


def check_published(version: str, document: dict, strict_document: dict) -> None:
    """The -strict file is the non-strict one made strict; keywords and the null/enum conventions hold."""
    layout = "definitions" if "definitions" in document else "$defs"
    if set(document) != set(strict_document) or any(document[k] != strict_document[k] for k in document
                                                    if k != layout):
        raise SystemExit(f"{version}: the -strict file has other top-level keys")
    definitions, strict_definitions = document[layout], strict_document[layout]
    different = [name for name in definitions if published_strict(definitions[name]) != strict_definitions.get(name)]
    if different or set(definitions) != set(strict_definitions):
        raise SystemExit(f"{version}: the -strict set is not the strict rule applied to the set: {different[:5]}")
    unknown = sorted({key for schema in definitions.values() for node in schema_nodes(schema) for key in node
                      if key not in KNOWN_KEYWORDS and not key.startswith("x-kubernetes-")})
    if unknown:
        raise SystemExit(f"{version}: keywords lintops does not handle: {unknown}")
    if layout == "$defs":
        check_defs_conventions(version, definitions)
    print(f"  {version}: layout {layout!r}; -strict = strict rule on all {len(definitions)} published definitions")


def check_defs_conventions(version: str, definitions: dict) -> None:
    nullable = required = 0
    for name, schema in definitions.items():
        for node in schema_nodes(schema):
            needed = set(node.get("required") or ())
            for field, sub in (node.get("properties") or {}).items():
                types = sub.get("type") if isinstance(sub, dict) else None
                if types is None:
                    continue
                has_null = isinstance(types, list) and "null" in types
                if has_null == (field in needed):
                    raise SystemExit(f"{version}: {name}.{field}: null in the type does not mean 'optional'")
                nullable += has_null
                required += field in needed
        gvks = schema.get("x-kubernetes-group-version-kind") or ()
        own = {"apiVersion": {f"{g['group']}/{g['version']}" if g.get("group") else g["version"] for g in gvks},
               "kind": {g["kind"] for g in gvks}}
        for node in schema_nodes(schema):
            if "enum" not in node:
                continue
            field = next((f for f, sub in (schema.get("properties") or {}).items() if sub is node), None)
            if field not in own or not set(node["enum"]) <= own[field]:
                raise SystemExit(f"{version}: {name} has an enum that is not its own apiVersion or kind")
    print(f"  {version}: {nullable} optional fields typed with null, {required} required ones without; "
          "enums only on a kind's own apiVersion and kind")


def check_strict(version: str, compact: dict, strict_compact: dict, index: dict) -> None:
    """The runtime rule (kube_build.strictify) must reproduce the sdist's -strict definitions."""
    if set(strict_compact) != set(compact):
        raise SystemExit(f"{version}: the -strict set has other definitions")
    different = [name for name in compact if kube_build.strictify(compact[name]) != strict_compact[name]]
    if different:
        raise SystemExit(f"{version}: strictify differs from the -strict set for {different[:5]}")
    for api_version, kind in KINDS_CHECKED:
        name = index.get(api_version, {}).get(kind)
        if name is None:
            raise SystemExit(f"{version}: no {api_version} {kind} in the index")
        # the runtime builder, without its null-for-optional-fields step, against the -strict set
        ours = kube_build.kind_schema(compact, name, strict=True, optional_null=False)
        closure = ours["definitions"]
        if closure != {n: strict_compact[n] for n in closure}:
            raise SystemExit(f"{version}: {kind} closure differs from the -strict set")
        print(f"  {version} {api_version} {kind}: strict closure of {len(closure)} definitions matches -strict")
    print(f"  {version}: strictify(definitions) == -strict definitions for all {len(compact)} definitions")


def check_kind_files(version: str, sdist: Sdist, files: dict[str, str], index: dict[str, dict[str, str]],
                     raw: dict) -> None:
    """Each indexed kind has the sdist's file ``<kind>-<group prefix>-<version>.json`` for it: a ``$ref``
    to the definition (up to 1.24) or the definition written out (from 1.25)."""
    agree, other, missing = 0, [], []
    for api_version, kinds in index.items():
        group, _, ver = api_version.rpartition("/")
        prefix = f"{group.split('.')[0]}-{ver}" if group else ver
        for kind, name in kinds.items():
            member = files.get(f"{kind.lower()}-{prefix}.json")
            if member is None:
                missing.append(f"{api_version} {kind}")
                continue
            stub = sdist.json(member)
            if "$ref" in stub:
                same = stub["$ref"].rsplit("/", 1)[-1] == name
            else:
                gvks = stub.get("x-kubernetes-group-version-kind") or ()
                same = any((f"{g.get('group')}/{g['version']}" if g.get("group") else g["version"]) == api_version
                           and g["kind"] == kind for g in gvks) \
                    and set(stub.get("properties") or ()) == set(raw[name].get("properties") or ())
            if same:
                agree += 1
            else:
                other.append(f"{api_version} {kind}")
    if other:
        raise SystemExit(f"{version}: the sdist's per-kind files describe other definitions for {other}")
    generic = [entry for entry in missing if entry.endswith((" DeleteOptions", " WatchEvent"))]
    print(f"  {version}: {agree} per-kind files agree with the index; none for {len(generic)}"
          f" DeleteOptions/WatchEvent entries and for {sorted(set(missing) - set(generic))}")


def compare_sdists(sdists: dict[str, Sdist], others: list[Sdist]) -> None:
    """Versions shipped by a --compare sdist must be byte-identical to the ones used."""
    for other in others:
        for sdist_version_used, versions in SDISTS.items():
            used = sdists[sdist_version_used]
            for version in versions:
                for suffix in ("-local", "-local-strict"):
                    name = f"v{version}.0{suffix}"
                    theirs = other.folder(name).get("_definitions.json")
                    if theirs is None:
                        continue
                    ours = used.folder(name)["_definitions.json"]
                    if used.read(ours) != other.read(theirs):
                        raise SystemExit(f"{name}: kubernetes-validate {other.version} differs from {used.version}")
                    print(f"  {name}/_definitions.json: kubernetes-validate {other.version} and {used.version}"
                          " ship identical bytes")


# ----------------------------------------------------------------------------------------------
# Kubernetes


def read_version(sdist: Sdist, version: str) -> dict:
    files = sdist.folder(f"v{version}.0-local")
    strict_files = sdist.folder(f"v{version}.0-local-strict")
    if "_definitions.json" not in files or "_definitions.json" not in strict_files:
        raise SystemExit(f"{sdist.path.name} has no v{version}.0-local schemas")
    document = sdist.json(files["_definitions.json"])
    strict_document = sdist.json(strict_files["_definitions.json"])
    check_published(version, document, strict_document)
    raw = kube_compact.definitions_of(document)
    index = kube_compact.index_definitions(raw)
    compact = kube_compact.compact_definitions(raw)
    check_strict(version, compact, kube_compact.compact_definitions(kube_compact.definitions_of(strict_document)),
                 index)
    check_kind_files(version, sdist, files, index, raw)
    enums = sum(1 for schema in raw.values() for node in schema_nodes(schema) if "enum" in node)
    if enums:
        print(f"  {version}: {enums} enums dropped (the invalid-enum-value rule's, for every version)")
    return {
        "index": index,
        "compact": compact,
        "source": {
            "package": f"kubernetes-validate {sdist.version} (sdist from PyPI)",
            "file": f"kubernetes-json-schema/v{version}.0-local/_definitions.json",
            "sdist_sha256": sdist.sha256,
        },
    }


def ranges(versions: list[str]) -> list[str]:
    """["1.17", "1.18", "1.19", "1.22"] -> ["1.17-1.19", "1.22"]."""
    out: list[list[int]] = []
    for minor in sorted(int(v.split(".")[1]) for v in versions):
        if out and minor == out[-1][1] + 1:
            out[-1][1] = minor
        else:
            out.append([minor, minor])
    return [f"1.{a}" if a == b else f"1.{a}-1.{b}" for a, b in out]


def generate_kubernetes(sdists: dict[str, Sdist]) -> None:
    data = {}
    for sdist_release, versions in SDISTS.items():
        for version in versions:
            data[version] = read_version(sdists[sdist_release], version)
    ordered = sorted(data, key=lambda v: int(v.split(".")[1]))
    # the content-addressed store: each distinct definition once, in order of first appearance
    pool: list[str] = []
    line_of: dict[str, int] = {}
    manifests = {}
    for version in ordered:
        lines = {}
        for name in sorted(data[version]["compact"]):
            text = dump(data[version]["compact"][name])
            if text not in line_of:
                line_of[text] = len(pool)
                pool.append(text)
            lines[name] = line_of[text]
        manifests[version] = lines
    for old in OUT.iterdir() if OUT.is_dir() else ():
        if old.is_dir():
            shutil.rmtree(old)  # the per-version folders of the former layout
        elif old.suffix in (".json", ".jsonl"):
            old.unlink()
    write(OUT / POOL_FILE, "\n".join(pool) + "\n")
    for version in ordered:
        manifest = {"kubernetes": version, "source": data[version]["source"], "kinds": data[version]["index"],
                    "definitions": manifests[version]}
        write(OUT / f"v{version}.json", dump(manifest) + "\n")
    total = sum(len(m) for m in manifests.values())
    print(f"  {len(ordered)} versions, {total} definitions, {len(pool)} distinct ones stored")
    served: dict[str, dict[str, list[str]]] = {}
    for version in ordered:
        for api_version, kinds in data[version]["index"].items():
            for kind in kinds:
                served.setdefault(api_version, {}).setdefault(kind, []).append(version)
    apis = {api_version: {kind: ranges(versions) for kind, versions in sorted(kinds.items())}
            for api_version, kinds in sorted(served.items())}
    write(OUT / "served.json", dump({
        "source": "the kinds of each version's bundle (x-kubernetes-group-version-kind); see schemas/README.md",
        "versions": ordered,
        "apis": apis,
    }) + "\n")
    compare_with_removal_table(served, ordered)


def compare_with_removal_table(served: dict[str, dict[str, list[str]]], ordered: list[str]) -> None:
    """Where the bundles and schemas/api-lifecycle.yaml disagree (the table wins at run time)."""
    key = api_lifecycle.parse_version
    first, last = key(ordered[0]), key(ordered[-1])
    for status in api_lifecycle.entries():
        versions = served.get(status.api_version, {}).get(status.kind, [])
        if status.removed_in is None:
            continue
        removed = key(status.removed_in)
        after = [v for v in versions if key(v) >= removed]
        if after:
            print(f"  note: {status.api_version} {status.kind}: removed in {status.removed_in} by the table, "
                  f"in the bundles of {', '.join(ranges(after))} (the table wins)")
        before = (removed[0], removed[1] - 1)
        if first <= before <= last and f"{before[0]}.{before[1]}" not in versions:
            print(f"  note: {status.api_version} {status.kind}: the table removes it in {status.removed_in}, "
                  f"but the {before[0]}.{before[1]} bundle does not have it")
    listed = {(s.api_version, s.kind) for s in api_lifecycle.entries()}
    gone = sorted((api_version, kind, versions[-1]) for api_version, kinds in served.items()
                  for kind, versions in kinds.items()
                  if key(versions[-1]) < last and (api_version, kind) not in listed
                  and kind not in ("DeleteOptions", "WatchEvent") and not kind.endswith("List"))
    print(f"  {len(gone)} apiVersion/kind pairs leave the bundles without a table entry (alpha APIs mostly); "
          "lintops reports them as removed after the last version that has them")


# ----------------------------------------------------------------------------------------------
# CRDs


def generate_crds() -> None:
    import yaml

    src = ROOT / "schemas" / "crds" / "src"
    out = ROOT / "schemas" / "crds"
    for old in out.glob("*.json"):
        old.unlink()
    index: dict[str, dict[str, str]] = {}
    for path in sorted(src.glob("*.yaml")):
        with open(path, encoding="utf-8") as handle:
            documents = [doc for doc in yaml.safe_load_all(handle) if isinstance(doc, dict)]
        for crd in documents:
            if crd.get("kind") != "CustomResourceDefinition":
                continue
            found, problems = kube_crd.crd_versions(crd)
            if problems:
                raise SystemExit(f"{path.name}: {problems}")
            for api_version, kind, schema in found:
                group, version = api_version.split("/")
                name = f"{group}_{version}_{kind.lower()}.json"
                document = {"$schema": kube_build.DRAFT4, **schema}
                write(out / name, dump(document) + "\n")
                index.setdefault(api_version, {})[kind] = name
    write(out / "index.json", dump({"source": "schemas/crds/src (see schemas/README.md)", "kinds": index}) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sdist", type=Path, action="append", default=[],
                        help=f"a kubernetes-validate sdist (.tar.gz) instead of downloading ({', '.join(SDISTS)})")
    parser.add_argument("--compare", type=Path, action="append", default=[],
                        help="another kubernetes-validate sdist whose files for the same versions must be identical")
    parser.add_argument("--crds-only", action="store_true", help="only convert the CRDs in schemas/crds/src")
    args = parser.parse_args(argv)
    if not args.crds_only:
        with tempfile.TemporaryDirectory() as tmp:
            given = {sdist_version(path): path for path in args.sdist}
            unknown = sorted(set(given) - set(SDISTS))
            if unknown:
                raise SystemExit(f"--sdist: lintops takes its schemas from {', '.join(SDISTS)}, not {unknown}")
            sdists = {release: Sdist(given.get(release) or download_sdist(release, Path(tmp))) for release in SDISTS}
            compare_sdists(sdists, [Sdist(path) for path in args.compare])
            generate_kubernetes(sdists)
    generate_crds()
    return 0


if __name__ == "__main__":
    sys.exit(main())
