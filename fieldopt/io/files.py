"""Writing output files: strict JSON (no NaN) and atomic replacement (temporary file + rename).

A reader never sees half a file: the text goes to a temporary file in the same folder, is
flushed to disk, then renamed over the target.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import tempfile
from collections.abc import Callable, Mapping
from enum import Enum
from pathlib import Path
from typing import Any

from fieldopt.errors import InputError


def strict(value: Any, default: Callable[[Any], Any] | None = None) -> Any:
    """``value`` as plain JSON: NaN and infinities become ``None``; dates, enums, numpy and
    pandas scalars become their JSON form; tuples and sets become lists. Anything else goes
    through ``default`` (``None``: a ``TypeError``)."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Enum):
        return strict(value.value, default)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): strict(v, default) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [strict(v, default) for v in items]
    item = getattr(value, "item", None)  # numpy and pandas scalars
    if callable(item):
        return strict(item(), default)
    if str(value) == "NaT":
        return None
    if default is not None:
        return strict(default(value))
    raise TypeError(f"not JSON: {type(value).__name__} {value!r}")


def dumps_strict(
    obj: Any, indent: int | None = 2, default: Callable[[Any], Any] | None = None
) -> str:
    """Strict JSON text (``allow_nan=False`` after :func:`strict`), ending with a newline."""
    text = json.dumps(strict(obj, default), indent=indent, ensure_ascii=False, allow_nan=False)
    return text + "\n"


def writable_file(path: str | Path, what: str = "--out") -> Path:
    """``path`` if a file can be written there (its folder is made); an :class:`InputError`
    naming ``what`` otherwise. Called before the work starts, so no solve is wasted."""
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{what}: {p} is a folder; give a file name")
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{what}: cannot create the folder {p.parent} ({exc.strerror})") from exc
    if not os.access(p.parent, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise InputError(f"{what}: {p} is not writable")
    return p


def writable_folder(path: str | Path, what: str = "--out") -> Path:
    """``path`` if a folder of files can be written there (made later, by the writer); an
    :class:`InputError` naming ``what`` otherwise. Nothing is created."""
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise InputError(f"{what}: {p} is a file; give a folder")
    existing = p
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(f"{what}: cannot create the folder {p}: {existing} is a file")
    if not os.access(existing, os.W_OK):
        raise InputError(f"{what}: {p} is not writable")
    return p


def write_text_atomic(path: str | Path, text: str, what: str = "--out") -> Path:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    p = writable_file(path, what)
    mode = _mode_for(p)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fchmod(fh.fileno(), mode)
            os.fsync(fh.fileno())
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return p


def write_bytes_atomic(path: str | Path, write: Callable[[Path], object], what: str) -> Path:
    """Write ``path`` atomically with ``write(temporary_path)`` (for writers that want a path,
    such as pandas' ``to_parquet``)."""
    p = writable_file(path, what)
    mode = _mode_for(p)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, mode)
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return p


def _mode_for(path: Path) -> int:
    """The permissions a new file gets (a temporary file would be private): the replaced
    file's, else those the umask allows."""
    if path.exists():
        return path.stat().st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_json_atomic(path: str | Path, obj: Any, what: str = "--out") -> Path:
    """Write ``obj`` as strict JSON to ``path`` atomically."""
    return write_text_atomic(path, dumps_strict(obj), what)


def read_json(path: str | Path, what: str) -> Any:
    """The JSON in ``path``; an :class:`InputError` naming ``what`` and the file otherwise."""
    p = Path(path)
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except IsADirectoryError:
        raise InputError(f"{what}: {p} is a folder, not a JSON file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{what}: cannot read {p} ({exc})") from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"{what}: {p} line {exc.lineno}: not JSON ({exc.msg})") from exc
    except RecursionError:  # thousands of nested lists: not a file anyone meant
        raise InputError(f"{what}: {p}: JSON nested too deeply") from None
