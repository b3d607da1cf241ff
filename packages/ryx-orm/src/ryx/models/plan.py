"""`ValuePlan`: how ``Model(...)`` fills each field and how writes bind it, derived once per model."""

from __future__ import annotations

import datetime as dt
import decimal
import inspect
import keyword
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from ryx.fields.base import NOT_PROVIDED, Field

#: Types of immutable values: a default of one of them, converted once, can be shared by every instance.
_SHAREABLE: frozenset[type] = frozenset(
    {type(None), bool, int, float, str, bytes, decimal.Decimal, dt.date, dt.datetime, dt.time, dt.timedelta, uuid.UUID}
)
#: Prefix of the generated ``__init__``'s own names (no attname may start with it).
_OWN = "__ryx_"


class ValuePlan:
    """What ``Model.__init__`` and the writes need of each concrete field.

    ``steps`` holds, per field in column order, ``(attname, exact type, fix, to_python, default, default
    maker)``: a value of exactly the exact type is stored as it is, or as ``fix(value)`` when there is a fix,
    without calling ``to_python`` (see ``Field.exact_shortcut``); a missing value takes ``default`` when the
    maker is None, else what the maker returns. ``as_is`` names the attnames whose
    converted values are bound unchanged (see ``ModelState.converted``).
    """

    __slots__ = ("as_is", "attnames", "steps")

    def __init__(self, fields: Sequence[Field[Any]]) -> None:
        """Derive the plan of ``fields`` (a model's concrete fields)."""
        self.attnames = frozenset(f.attname for f in fields)
        self.steps = tuple((f.attname, *f.exact_shortcut(), f.to_python, *_default_of(f)) for f in fields)
        self.as_is = frozenset(f.attname for f in fields if f.binds_stored())


def _default_of(field: Field[Any]) -> tuple[Any, Callable[[], Any] | None]:
    """Return ``(value, None)`` when every instance may share the converted default, else ``(None, get_default)``.

    Only the built-in conversions are trusted to give the same value each time (``binds_stored``);
    callables, containers and defaults that fail to convert are left to ``get_default`` on each instance.
    """
    if type(field).get_default is not Field.get_default or not field.binds_stored():
        return None, field.get_default
    default = field.default
    if default is NOT_PROVIDED or default is None:
        return None, None
    if type(default) in _SHAREABLE:
        try:
            value = field.to_python(default)
        except Exception:  # raised again by get_default when an instance needs the default, as before
            return None, field.get_default
        if type(value) in _SHAREABLE:
            return value, None
    return None, field.get_default


def compile_init(model: type[Any], plan: ValuePlan, state: type[Any], generic: Callable[..., None]) -> Any:
    """Return an ``__init__`` for ``model`` doing what ``plan`` says, or None when the attnames do not allow it.

    Generated, as dataclasses do, because keyword-only parameters are bound by the interpreter in C: about a
    third of the cost of the generic loop over ``kwargs``. It calls ``generic`` (the loop) for anything
    else: other keywords (``pk``, relation names, properties, mistakes), an instance of a subclass, or a
    plan replaced since (a relation's target resolved).
    """
    names = [step[0] for step in plan.steps]
    if not all(n.isidentifier() and not keyword.iskeyword(n) and not n.startswith(_OWN) for n in names):
        return None
    # every name the body uses is prefixed, so that no parameter (a field called `type`...) shadows it
    o = _OWN
    env: dict[str, Any] = {
        f"{o}MISSING": _MISSING,
        f"{o}State": state,
        f"{o}generic": generic,
        f"{o}cls": model,
        f"{o}plan": plan,
        f"{o}meta": model._meta,
        f"{o}type": type,
    }
    params = ", ".join(f"{n}={o}MISSING" for n in names)
    present = ", ".join(f"({n!r}, {n})" for n in names)
    lines = [
        f"def __init__({o}self, /, *, {params}, **{o}extra):",
        f"    if {o}extra or {o}type({o}self) is not {o}cls or {o}meta.value_plan is not {o}plan:",
        f"        {o}kw = {{{o}k: {o}v for {o}k, {o}v in ({present},) if {o}v is not {o}MISSING}}",
        f"        {o}kw.update({o}extra)",
        f"        return {o}generic({o}self, **{o}kw)",
        f"    {o}d = {o}self.__dict__",
        f"    {o}d['_state'] = {o}State(True, None, True)",
    ]
    lines.extend(_step_source(i, step, env) for i, step in enumerate(plan.steps))
    exec("\n".join(lines), env)  # the source holds only identifiers checked above and repr()s of them
    init = env["__init__"]
    # read as the generic one: messages, tracebacks, help() and inspect.signature(Model)
    init.__qualname__ = generic.__qualname__
    init.__doc__ = generic.__doc__
    init.__module__ = generic.__module__
    init.__signature__ = inspect.signature(generic)
    init.ryx_generated = True
    return init


def _step_source(i: int, step: tuple[Any, ...], env: dict[str, Any]) -> str:
    """Return the line filling the ``i``-th field of a generated ``__init__``; put the objects it uses in ``env``."""
    name, exact, fix, convert, default, make_default = step
    o = _OWN
    env.update({f"{o}c{i}": convert, f"{o}e{i}": exact, f"{o}f{i}": fix, f"{o}d{i}": default, f"{o}m{i}": make_default})
    missing = f"{o}d{i}" if make_default is None else f"{o}m{i}()"
    given = f"{o}c{i}({name})"
    if exact is not None:
        shortcut = name if fix is None else f"{o}f{i}({name})"
        given = f"({shortcut} if {o}type({name}) is {o}e{i} else {given})"
    return f"    {o}d[{name!r}] = {missing} if {name} is {o}MISSING else {given}"


class _Missing:
    """The type of the marker of a keyword not given to a generated ``__init__``."""

    __slots__ = ()

    def __repr__(self) -> str:
        """Return ``MISSING``."""
        return "MISSING"


_MISSING = _Missing()

__all__ = ["ValuePlan", "compile_init"]
