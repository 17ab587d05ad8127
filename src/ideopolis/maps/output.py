"""Writing map files atomically: a temporary file in the target folder, then a rename.

A reader (a browser, a web server, a CMS upload) never sees half a map, and a failed write leaves the
previous map in place.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ideopolis.errors import IdeopolisError


class MapWriteError(IdeopolisError, OSError):
    """The map file cannot be written where it was asked to go."""


def write_atomic_bytes(path: str | os.PathLike[str], data: bytes) -> int:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    Parameters
    ----------
    path : str or path-like
        Destination; missing parent folders are created.
    data : bytes
        Content.

    Returns
    -------
    int
        Bytes written.

    Raises
    ------
    MapWriteError
        When the destination is a folder or cannot be written.
    """
    target = Path(path)
    if target.is_dir():
        raise MapWriteError(f"--out {target} is a folder; give a file name such as {target / 'map.html'}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            tmp.chmod(0o644)
            tmp.replace(target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise MapWriteError(f"cannot write {target}: {reason}; choose a writable path with --out") from None
    return len(data)


def write_atomic(path: str | os.PathLike[str], text: str) -> int:
    """Write ``text`` as UTF-8 with :func:`write_atomic_bytes` and return the bytes written."""
    return write_atomic_bytes(path, text.encode("utf-8"))
