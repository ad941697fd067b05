#!/usr/bin/env python3
"""Regenerate the bundled schema data in schemas/ (run by a developer; linting never needs it).

Kubernetes: downloads the ``kubernetes-validate`` sdist from PyPI (``pip download --no-deps
--no-binary :all:``), reads ``kubernetes-json-schema/vX.Y.0-local/_definitions.json`` for each
version and writes ``schemas/kubernetes/vX.Y/definitions.json`` (validation keywords only, minified)
and ``index.json`` (apiVersion -> kind -> definition). Before writing it checks that the runtime
strictness rule reproduces the sdist's ``-strict`` definitions exactly, and that every kind of the
index matches the sdist's per-kind stub file.

CRDs: converts every served version of every CustomResourceDefinition in ``schemas/crds/src/``
to ``schemas/crds/<group>_<version>_<kind>.json`` and writes ``schemas/crds/index.json``.

    python scripts/generate_schemas.py                      # download the sdist, write everything
    python scripts/generate_schemas.py --sdist FILE.tar.gz  # use a downloaded sdist
    python scripts/generate_schemas.py --crds-only          # only the CRD schemas
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lintops import kube_schema  # noqa: E402

SDIST_VERSION = "1.18.0"
VERSIONS = ("1.17", "1.18")
KINDS_CHECKED = (("apps/v1", "Deployment"), ("v1", "Service"), ("batch/v1beta1", "CronJob"))


def dump(data: object) -> str:
    return json.dumps(data, separators=(",", ":"), sort_keys=True, ensure_ascii=False) + "\n"


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


class Sdist:
    """Reads the schema files of a kubernetes-validate sdist without unpacking all of it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
        self._tar = tarfile.open(path, "r:gz")  # noqa: SIM115 - read while the generator runs
        self._members = {member.name: member for member in self._tar.getmembers() if member.isfile()}

    def folder(self, name: str) -> dict[str, str]:
        """file name -> member path for the files of kubernetes-json-schema/<name>/."""
        marker = f"/kubernetes-json-schema/{name}/"
        return {path.rsplit("/", 1)[1]: path for path in self._members if marker in path}

    def json(self, member: str) -> object:
        handle = self._tar.extractfile(self._members[member])
        assert handle is not None
        return json.loads(handle.read())


def check_strict(version: str, compact: dict, strict_raw: dict) -> None:
    """The runtime rule (kube_schema.strictify) must reproduce the sdist's -strict definitions."""
    strict = kube_schema.compact_definitions(strict_raw)
    if set(strict) != set(compact):
        raise SystemExit(f"{version}: the -strict set has other definitions")
    different = [name for name in compact if kube_schema.strictify(compact[name]) != strict[name]]
    if different:
        raise SystemExit(f"{version}: strictify differs from the -strict set for {different[:5]}")
    for api_version, kind in KINDS_CHECKED:
        name = index_lookup(version, api_version, kind)
        # the runtime builder, without its null-for-optional-fields step, against the -strict set
        ours = kube_schema.kind_schema(compact, name, strict=True, optional_null=False)
        closure = ours["definitions"]
        if closure != {n: strict[n] for n in closure}:
            raise SystemExit(f"{version}: {kind} closure differs from the -strict set")
        print(f"  {version} {api_version} {kind}: strict closure of {len(closure)} definitions matches -strict")
    print(f"  {version}: strictify(definitions) == -strict definitions for all {len(compact)} definitions")


_INDEXES: dict[str, dict[str, dict[str, str]]] = {}


def index_lookup(version: str, api_version: str, kind: str) -> str:
    try:
        return _INDEXES[version][api_version][kind]
    except KeyError:
        raise SystemExit(f"{version}: no {api_version} {kind} in the index") from None


def check_stubs(version: str, sdist: Sdist, files: dict[str, str], index: dict[str, dict[str, str]]) -> None:
    """Each indexed kind has the sdist's stub ``<kind>-<group prefix>-<version>.json`` naming it."""
    agree, other, missing = 0, [], []
    for api_version, kinds in index.items():
        group, _, ver = api_version.rpartition("/")
        prefix = f"{group.split('.')[0]}-{ver}" if group else ver
        for kind, name in kinds.items():
            stub = files.get(f"{kind.lower()}-{prefix}.json")
            if stub is None:
                missing.append(f"{api_version} {kind}")
            elif sdist.json(stub).get("$ref", "").rsplit("/", 1)[-1] == name:
                agree += 1
            else:
                other.append(f"{api_version} {kind}")
    if other:
        raise SystemExit(f"{version}: the sdist's stubs name other definitions for {other}")
    generic = [entry for entry in missing if entry.endswith((" DeleteOptions", " WatchEvent"))]
    print(f"  {version}: {agree} per-kind stubs agree with the index; no stub for {len(generic)}"
          f" DeleteOptions/WatchEvent entries and for {sorted(set(missing) - set(generic))}")


def generate_kubernetes(sdist: Sdist, sdist_version: str, versions: tuple[str, ...]) -> None:
    for version in versions:
        files = sdist.folder(f"v{version}.0-local")
        strict_files = sdist.folder(f"v{version}.0-local-strict")
        if "_definitions.json" not in files or "_definitions.json" not in strict_files:
            raise SystemExit(f"{sdist.path.name} has no v{version}.0-local schemas")
        raw = sdist.json(files["_definitions.json"])["definitions"]
        index = kube_schema.index_definitions(raw)
        _INDEXES[version] = index
        compact = kube_schema.compact_definitions(raw)
        check_strict(version, compact, sdist.json(strict_files["_definitions.json"])["definitions"])
        check_stubs(version, sdist, files, index)
        source = {
            "package": f"kubernetes-validate {sdist_version} (sdist from PyPI)",
            "file": f"kubernetes-json-schema/v{version}.0-local/_definitions.json",
            "sdist_sha256": sdist.sha256,
        }
        out = ROOT / "schemas" / "kubernetes" / f"v{version}"
        write(out / "definitions.json", dump({"source": source, "definitions": compact}))
        kinds = sum(len(k) for k in index.values())
        write(out / "index.json", dump({"source": source, "kubernetes": version, "kinds": index}))
        print(f"  {version}: {len(compact)} definitions, {kinds} apiVersion/kind pairs")


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
            found, problems = kube_schema.crd_versions(crd)
            if problems:
                raise SystemExit(f"{path.name}: {problems}")
            for api_version, kind, schema in found:
                group, version = api_version.split("/")
                name = f"{group}_{version}_{kind.lower()}.json"
                document = {"$schema": kube_schema.DRAFT4, **schema}
                write(out / name, dump(document))
                index.setdefault(api_version, {})[kind] = name
    write(out / "index.json", dump({"source": "schemas/crds/src (see schemas/README.md)", "kinds": index}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sdist", type=Path, help="a kubernetes-validate sdist (.tar.gz) instead of downloading")
    parser.add_argument("--sdist-version", default=SDIST_VERSION, help=f"kubernetes-validate version ({SDIST_VERSION})")
    parser.add_argument("--versions", nargs="+", default=list(VERSIONS), help="Kubernetes versions (1.17 1.18)")
    parser.add_argument("--crds-only", action="store_true", help="only convert the CRDs in schemas/crds/src")
    args = parser.parse_args(argv)
    if not args.crds_only:
        with tempfile.TemporaryDirectory() as tmp:
            path = args.sdist or download_sdist(args.sdist_version, Path(tmp))
            generate_kubernetes(Sdist(path), args.sdist_version, tuple(args.versions))
    generate_crds()
    return 0


if __name__ == "__main__":
    sys.exit(main())
