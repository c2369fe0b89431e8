"""Helpers shared by the instance dataclasses: frozen arrays and validation messages."""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import numpy.typing as npt

IntArray: TypeAlias = npt.NDArray[np.int64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
FloatArray: TypeAlias = npt.NDArray[np.float64]

Shape: TypeAlias = tuple[int | None, ...]


def _check_shape(owner: str, field: str, arr: npt.NDArray[np.generic], shape: Shape) -> None:
    ok = arr.ndim == len(shape) and all(
        want is None or got == want for got, want in zip(arr.shape, shape, strict=True)
    )
    if not ok:
        dims = ["*" if s is None else str(s) for s in shape]
        want_txt = f"({dims[0]},)" if len(dims) == 1 else "(" + ", ".join(dims) + ")"
        raise ValueError(f"{owner}: {field}: expected shape {want_txt}, got {arr.shape}")


def frozen_int_array(owner: str, field: str, value: object, shape: Shape) -> IntArray:
    """Return ``value`` as a read-only int64 copy of the given shape (``None`` = any length)."""
    arr = np.array(value)
    if arr.size and arr.dtype.kind not in "iu":
        raise ValueError(f"{owner}: {field}: expected integers, got dtype {arr.dtype}")
    out = arr.astype(np.int64)
    _check_shape(owner, field, out, shape)
    out.setflags(write=False)
    return out


def frozen_bool_array(owner: str, field: str, value: object, shape: Shape) -> BoolArray:
    """Return ``value`` as a read-only bool copy of the given shape (``None`` = any length)."""
    arr = np.array(value)
    if arr.size and arr.dtype.kind != "b":
        raise ValueError(f"{owner}: {field}: expected booleans, got dtype {arr.dtype}")
    out = arr.astype(np.bool_)
    _check_shape(owner, field, out, shape)
    out.setflags(write=False)
    return out


def first_index(mask: npt.NDArray[np.bool_]) -> int | None:
    """Index of the first ``True`` in a 1-d mask, or ``None``."""
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None
