"""Sub-charts vendored as archives (``charts/<name>.tgz``), read as Helm's loader reads them, and treated as hostile.

A vendored archive is bytes from the linted tree: its member names, types and sizes are the author's
to choose. lintops never extracts one; it reads an archive only to learn the chart's name and
version (from the ``Chart.yaml`` inside: Helm names a sub-chart by that, never by the file name)
and to refuse, before Helm sees it, an archive that is not what ``helm package`` writes:

- members whose name is absolute, or climbs with ``..``, or (as Helm's loader reads it, once the
  top folder is dropped) lands outside the chart, or names a Windows drive; a ``Chart.yaml`` that
  is not inside a top folder (Helm refuses all of these: ``pkg/chart/loader/archive``
  ``LoadArchiveFiles``, Helm 4.2);
- members that are not regular files or folders: symbolic and hard links (Helm's loader would take
  them as empty files), devices, named pipes, sparse files;
- more than Helm accepts: a member over 5 MiB or 100 MiB in all once decompressed
  (``MaxDecompressedFileSize``, ``MaxDecompressedChartSize``), and, from lintops, more than
  :data:`MAX_MEMBERS` members, archives nested deeper than :data:`MAX_DEPTH` (Helm loads the
  ``charts/*.tgz`` inside an archive too, so those are read the same way) and more than
  :data:`MAX_TOTAL_BYTES` decompressed for one archive with all it nests.

Python's ``tarfile`` and Go's ``archive/tar`` read the same headers; the names checked are the
names both give a member (PAX and GNU long names included).
"""

from __future__ import annotations

import io
import posixpath
import re
import tarfile
import zlib
from dataclasses import dataclass

from ...lazy_pattern import lazy

#: Helm's limits for one archive (``MaxDecompressedChartSize``, ``MaxDecompressedFileSize``).
MAX_CHART_BYTES = 100 << 20
MAX_FILE_BYTES = 5 << 20
#: lintops' own bounds: members of one archive, archives inside archives, and decompressed bytes in all.
MAX_MEMBERS = 100_000
MAX_DEPTH = 4
MAX_TOTAL_BYTES = 256 << 20

_DRIVE = lazy(r"^[a-zA-Z]:/")


@dataclass(frozen=True)
class ArchivedChart:
    """What a vendored archive holds: the chart's name and version (None when its ``Chart.yaml`` says
    none), or ``refusal``, a clause saying why Helm must not be given it."""

    name: str | None = None
    version: str | None = None
    refusal: str | None = None


class _Refused(Exception):
    """An archive (or one nested in it) that is not handed to Helm; the message is the clause."""


def inspect_archive(data: bytes) -> ArchivedChart:
    """The chart in the archive ``data`` (the bytes of a ``.tgz`` file, already read through the
    linted root's reader), or why it is refused. Reads only headers, ``Chart.yaml`` and nested
    ``charts/*.tgz``; never writes anything."""
    budget = [MAX_TOTAL_BYTES]
    try:
        chart_file = _walk(data, "", 0, budget)
    except _Refused as refused:
        return ArchivedChart(refusal=str(refused))
    if chart_file is None:
        return ArchivedChart()
    from ...parse.stream import parse_text

    try:
        text = chart_file.decode("utf-8-sig")
    except UnicodeDecodeError:
        return ArchivedChart()
    document = next((d for d in parse_text(text, "Chart.yaml").documents if d.data is not None), None)
    meta = document.data if document is not None else None
    if not isinstance(meta, dict):
        return ArchivedChart()
    name, version = meta.get("name"), meta.get("version")
    return ArchivedChart(name if isinstance(name, str) and name else None,
                         str(version) if isinstance(version, (str, int, float)) and version != "" else None)


def _walk(data: bytes, where: str, depth: int, budget: list[int]) -> bytes | None:
    """Check every member of one archive (and the archives it nests); the bytes of its ``Chart.yaml``."""
    if depth > MAX_DEPTH:
        raise _Refused(f"nests chart archives deeper than {MAX_DEPTH} levels ({_shown(where.rstrip(':'))})")
    if not data.startswith(b"\x1f\x8b"):
        raise _Refused(f"{_label(where)}is not a gzipped tar archive, which Helm requires of a chart archive")
    chart_file: bytes | None = None
    remaining = MAX_CHART_BYTES
    members = 0
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            while True:
                member = archive.next()
                if member is None:
                    break
                members += 1
                if members > MAX_MEMBERS:
                    raise _Refused(f"{_label(where)}holds more than {MAX_MEMBERS:,} members")
                if member.isdir():
                    continue
                name = _checked_name(member, where)
                if member.size > MAX_FILE_BYTES:
                    raise _Refused(f"{_label(where)}has a member {_shown(member.name)} of {member.size:,} "
                                   f"bytes, over Helm's limit of {MAX_FILE_BYTES:,} bytes for one file of a chart")
                remaining -= member.size
                budget[0] -= member.size
                if remaining < 0:
                    raise _Refused(f"{_label(where)}decompresses to more than Helm's limit of "
                                   f"{MAX_CHART_BYTES:,} bytes for a chart")
                if budget[0] < 0:
                    raise _Refused(f"decompresses to more than {MAX_TOTAL_BYTES:,} bytes with the archives it holds")
                nested = _nested_archive(name)
                if name != "Chart.yaml" and not nested:
                    continue
                handle = archive.extractfile(member)
                content = handle.read(member.size + 1) if handle is not None else b""
                if nested:
                    _walk(content, f"{where}{member.name}:", depth + 1, budget)
                else:
                    chart_file = content
    except _Refused:
        raise
    except (tarfile.TarError, EOFError, OSError, ValueError, zlib.error) as exc:
        raise _Refused(f"{_label(where)}is not an archive Helm can read ({type(exc).__name__}: "
                       f"{str(exc)[:120]})") from None
    if members == 0:
        raise _Refused(f"{_label(where)}holds no files")
    return chart_file


def _checked_name(member: tarfile.TarInfo, where: str) -> str:
    """The member's path inside the chart as Helm's loader makes it (the top folder dropped), or _Refused."""
    raw = member.name
    if not (member.isreg() and member.type != tarfile.GNUTYPE_SPARSE):
        raise _Refused(f"{_label(where)}holds {_kind(member)} {_shown(raw)} (a chart archive holds regular "
                       f"files only)")
    parts_raw = re.split(r"[/\\]", raw)
    if raw.startswith(("/", "\\")) or _DRIVE.match(raw.replace("\\", "/")) or ".." in parts_raw:
        raise _Refused(f"{_label(where)}has a member {_shown(raw)} that leads outside the chart")
    delimiter = "\\" if "\\" in raw else "/"
    parts = raw.split(delimiter)
    name = delimiter.join(parts[1:]).replace(delimiter, "/")
    if name.startswith("/"):
        raise _Refused(f"{_label(where)}has a member {_shown(raw)} with an absolute path inside the chart")
    name = posixpath.normpath(name) if name else "."
    if name == "." or name.startswith(".."):
        raise _Refused(f"{_label(where)}has a member {_shown(raw)} outside the chart's top folder")
    if _DRIVE.match(name):
        raise _Refused(f"{_label(where)}has a member {_shown(raw)} that names a drive")
    if parts[0] == "Chart.yaml":
        raise _Refused(f"{_label(where)}has its Chart.yaml outside a top folder, which Helm refuses")
    return name


def _nested_archive(name: str) -> bool:
    """``charts/<x>.tgz`` directly in the chart's ``charts/``: an archive Helm's loader loads as a sub-chart."""
    if not name.startswith("charts/"):
        return False
    rest = name[len("charts/"):]
    return "/" not in rest and rest.endswith(".tgz") and not rest.startswith(("_", "."))


def _kind(member: tarfile.TarInfo) -> str:
    if member.issym():
        return "a symbolic link"
    if member.islnk():
        return "a hard link"
    if member.ischr() or member.isblk():
        return "a device"
    if member.isfifo():
        return "a named pipe"
    if member.type == tarfile.GNUTYPE_SPARSE:
        return "a sparse file"
    return "a special member"


def _label(where: str) -> str:
    """How a clause about an archive nested in the vendored one begins (``where``: ``a.tgz:b.tgz:``)."""
    return f"holds the archive {_shown(where.rstrip(':'))}, which " if where else ""


def _shown(name: str) -> str:
    """A member name as a message quotes it: its characters escaped, at most 100 of them."""
    return repr(name if len(name) <= 100 else name[:97] + "...")
