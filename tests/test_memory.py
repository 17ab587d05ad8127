"""release_free_memory gives freed heap pages back to the operating system (Linux with glibc)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ideopolis.memory import _malloc_trim, release_free_memory


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc/self/status")


@pytest.mark.skipif(not sys.platform.startswith("linux") or _malloc_trim() is None, reason="glibc malloc_trim")
def test_freed_heap_pages_go_back_to_the_system() -> None:
    # 160 MiB in 2 KiB blocks (malloc, not Python's small-object arenas); one block in 64 stays alive, so the
    # heap cannot shrink from its top by itself and only malloc_trim can return the free pages between them
    blocks = [bytearray(2048) for _ in range(80_000)]
    for b in blocks:
        b[::512] = b"\x01" * 4  # touch every page
    keep = blocks[::64]
    del blocks
    before = _rss_kib()
    release_free_memory()
    after = _rss_kib()
    assert len(keep) == 1250
    assert before - after > 100 * 1024, (before, after)  # most of the 157 MiB freed is returned
