"""pydantic's validation errors in plain English, for the readers built on pydantic models
(batch specs, dispatch events): each error becomes an :class:`Issue` — where it is inside the
checked value, a problem code and a short text — so their messages read alike. The reader
turns issues into :class:`~fieldopt.errors.Problem` s naming its own file and record.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Issue:
    """One problem of a checked value: where inside it (``("job", "id")``), a code, a text."""

    path: Loc
    code: str
    message: str


def show(value: Any) -> str:
    """A short JSON-like rendering of an input value for messages."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):  # huge ints, cycles...
        text = f"a {type(value).__name__}"
    return text if len(text) <= 60 else text[:57] + "..."


def did_you_mean(word: str, choices: Sequence[str]) -> str | None:
    """The choice ``word`` is most likely a misspelling of, if any is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def unknown_key(key: object, allowed: Sequence[str], *, noun: str = "key", of: str = "") -> str:
    """``unknown <noun> "<key>"[ for <of>]; did you mean ...? (expected: ...)``."""
    text = f"unknown {noun} {show(key)}" + (f" for {of}" if of else "")
    close = did_you_mean(str(key), allowed)
    text += f"; did you mean {close}?" if close else ""
    return text + (f" (expected: {', '.join(allowed)})" if allowed else "")


def field_path(path: Loc) -> str:
    """``job.windows[1].end`` for ``("job", "windows", 1, "end")``."""
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


_BOUNDS = {
    "greater_than": ("gt", ">"),
    "greater_than_equal": ("ge", ">="),
    "less_than": ("lt", "<"),
    "less_than_equal": ("le", "<="),
}
_TYPES = {
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "string_type": "a string",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "dict_type": "an object",
    "list_type": "a list",
    "tuple_type": "a list",
}


def issues_from_validation_error(
    exc: ValidationError,
    *,
    unknown: Callable[[Loc], str],
    own_codes: Mapping[str, str],
    tagged: bool = False,
    text_is: str = "a string",
) -> list[Issue]:
    """Every error of ``exc`` as an :class:`Issue`.

    ``unknown(path)`` words a key the model does not take. ``own_codes`` maps the error types
    the model's own validators raise to problem codes (their text is kept as written).
    ``tagged``: the model is a tagged union, whose tag is the first step of each location.
    ``text_is``: what a string is called (``"text"`` in a YAML spec).
    """
    issues = []
    for err in exc.errors(include_url=False):
        path = _path(err, tagged)
        code, text = _english(err, path, unknown, own_codes, text_is)
        issues.append(Issue(path, code, text))
    return _merge_types(issues)


def _path(err: Any, tagged: bool) -> Loc:
    """Where the error is, without pydantic's names of union members; a model validator's
    error names its fields in ``ctx["field"]``."""
    loc = tuple(err["loc"][1:] if tagged else err["loc"])
    if err["type"] == "extra_forbidden":  # the last step is the user's key, whatever it is
        path = (*(s for s in loc[:-1] if not _is_union_tag(s)), *loc[-1:])
    else:
        path = tuple(s for s in loc if not _is_union_tag(s))
    field = (err.get("ctx") or {}).get("field")
    return path or ((field,) if isinstance(field, str) else ())


def _is_union_tag(step: object) -> bool:
    """pydantic names the member of a union in the location (``float``, ``str``...)."""
    return isinstance(step, str) and (
        step in ("str", "float", "int", "list[str]")
        or step.startswith(("function-after", "constrained-", "literal["))
    )


def _english(
    err: Any,
    path: Loc,
    unknown: Callable[[Loc], str],
    own_codes: Mapping[str, str],
    text_is: str,
) -> tuple[str, str]:
    """A problem code and a short English text for one pydantic error."""
    kind_of, ctx = err["type"], err.get("ctx") or {}
    got = show(err.get("input"))
    if kind_of in own_codes:
        return own_codes[kind_of], str(err["msg"])
    if kind_of == "missing":
        return "missing_field", "required, missing"
    if kind_of == "extra_forbidden":
        return "unknown_field", unknown(path)
    if kind_of in _BOUNDS:
        key, sign = _BOUNDS[kind_of]
        return "out_of_range", f"must be {sign} {ctx.get(key)}, got {got}"
    if kind_of in _TYPES:
        wanted = text_is if kind_of == "string_type" else _TYPES[kind_of]
        return "wrong_type", f"must be {wanted}, got {got}"
    if kind_of == "string_too_short":
        return "missing_field", "must not be empty"
    if kind_of == "string_too_long":
        return "out_of_range", f"must be at most {ctx.get('max_length')} characters"
    if kind_of == "literal_error":
        return "invalid_choice", f"must be one of {ctx.get('expected')}, got {got}"
    msg = str(err["msg"])
    return "invalid_value", f"{msg[:1].lower()}{msg[1:]}, got {got}"


def _merge_types(issues: list[Issue]) -> list[Issue]:
    """One issue for a value of a wrong type where a union takes several (text or a number)."""
    out: list[Issue] = []
    for issue in issues:
        same = next((o for o in out if o.path == issue.path and o.code == "wrong_type"), None)
        if same is None or issue.code != "wrong_type":
            out.append(issue)
            continue
        wanted, _, _got = issue.message.removeprefix("must be ").partition(", got ")
        head, _, tail = same.message.partition(", got ")
        out[out.index(same)] = Issue(issue.path, "wrong_type", f"{head} or {wanted}, got {tail}")
    return out
