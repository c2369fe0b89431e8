"""The table of batch run kinds: ``validate`` and each model's kinds, by name."""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from fieldopt.batch.kinds import VALIDATE, RunKind
from fieldopt.batch.model_kinds import MODEL_KINDS
from fieldopt.errors import InputError


def known_kinds() -> dict[str, RunKind]:
    """Every built-in kind by name."""
    return {k.name: k for k in (VALIDATE, *MODEL_KINDS)}


def resolve_kind(name: str) -> RunKind:
    """The built-in kind ``name``, or a ``module:function`` given by import path."""
    kinds = known_kinds()
    if name in kinds:
        return kinds[name]
    if ":" in name:
        module_name, _, func_name = name.partition(":")
        try:
            func = getattr(importlib.import_module(module_name), func_name)
        except (ImportError, AttributeError) as exc:
            raise InputError(f"run kind {name!r}: cannot import it ({exc})") from exc
        _check_signature(name, func)
        return RunKind(name, func, f"user function {name}")
    raise InputError(
        f"unknown run kind {name!r}; known: {', '.join(sorted(kinds))}, or 'module:function'"
    )


def _check_signature(name: str, func: Any) -> None:
    """A user kind is called as ``func(scenario, params)``: refuse what cannot be, before any
    run starts."""
    problem = None if callable(func) else "it is not a function"
    if problem is None:
        try:
            inspect.signature(func).bind(None, {})
        except TypeError as exc:
            problem = f"it cannot be called as function(scenario, params) ({exc})"
        except ValueError:  # no signature to inspect (some built-ins): tried when it runs
            pass
    if problem is not None:
        raise InputError(f"run kind {name!r}: {problem}")
