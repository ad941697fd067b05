"""Records that a run keeps until its end, packed in compressed blocks (the references of lintops.cross_refs).

marshal writes and reads plain values only (no code runs when a block is read back), and the blocks never
leave the process that packed them.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from typing import Any


class Packed:
    """Records of plain values (tuples of str, int, None, and dicts and lists of them) packed end to end with
    marshal, in blocks compressed as they fill.

    Why: a run keeps the references of cross-object facts until its last file is read, while every file's
    parse allocates and frees many small objects. A few hundred bytes per reference, each its own object,
    pin the allocator's pools all over the heap (the resident memory of a 100,000-object run grew by half),
    and one growing buffer is copied as it grows. A run's references are much alike (the same kinds,
    pointers and paths), so a block of them compresses several times over: about 15 bytes a reference.
    """

    __slots__ = ("_blocks", "_buffer", "_count", "_ends")

    BLOCK = 1 << 16

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._ends = array("l")
        self._blocks: list[tuple[bytes, array]] = []
        self._count = 0

    def add(self, record: tuple) -> bool:
        """Pack ``record``; False (and nothing kept) when it holds a value marshal cannot write."""
        import marshal

        try:
            packed = marshal.dumps(record)
        except ValueError:
            return False
        self._count += 1
        self._buffer += packed
        self._ends.append(len(self._buffer))
        if len(self._buffer) >= self.BLOCK:
            import zlib

            self._blocks.append((zlib.compress(self._buffer, 1), self._ends))
            self._buffer, self._ends = bytearray(), array("l")
        return True

    def __iter__(self) -> Iterator[Any]:
        """Every record, in the order packed, each read back as it is reached."""
        import marshal
        import zlib

        for block, ends in [*self._blocks, (None, self._ends)]:
            buffer = bytes(self._buffer) if block is None else zlib.decompress(block)
            start = 0
            for end in ends:
                yield marshal.loads(buffer[start:end])
                start = end

    def __len__(self) -> int:
        return self._count
