"""The template sandbox: jinja2's immutable sandbox, refusing unsafe attributes outright, and
bounding the work and memory of a render, whatever the template does.

- **Steps**: loops, ``range``, repetition (``*``) and list-building draw from one budget
  (:data:`MAX_ITEMS`), so ``range`` in ``range`` or a loop over a long string in a loop stops.
- **Calls**: every call (macros, methods, ``loop()``) counts (:data:`MAX_CALLS`) and nests at most
  :data:`MAX_DEPTH` deep, so a two-branch recursive macro stops.
- **Values**: every string or list a template computes — by a filter, a method, ``~``, ``+``,
  ``%``, ``*`` — is at most :data:`MAX_VALUE` long, estimated *before* it is built when it can
  grow (``replace``, ``center``, ``indent``, ``format``, ``join``…), so ``a|replace('x', a)``
  on a long string is refused before allocating anything.
- **Output**: everything written, inside macros and blocks too, draws from
  :data:`MAX_WRITTEN`; the rendered text itself is capped by the caller.

Refusals raise ``jinja2.exceptions.SecurityError``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.runtime import LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import _PassArg
from jinja2.visitor import NodeTransformer

MAX_ITEMS = 1_000_000
"""Loop items, range items and repeated items a whole render may create."""
MAX_CALLS = 100_000
"""Calls (macros, methods, ``loop()``) in one render."""
MAX_DEPTH = 50
"""How deep calls may nest (recursive macros)."""
MAX_VALUE = 1_000_000
"""The longest string or list one operation may produce."""
MAX_WRITTEN = 20_000_000
"""Characters written in one render, counting what macros, blocks and ``set`` capture."""
MAX_INT_BITS = 100_000
"""The largest integer arithmetic may produce (``**`` and ``*``)."""

_DIGITS = re.compile(r"\d+")
_GROWING_METHODS = frozenset(
    {"replace", "join", "center", "ljust", "rjust", "zfill", "expandtabs", "format", "format_map"}
)


class Refused(jinja2.exceptions.SecurityError):
    """A template that does too much."""


def size(value: Any, limit: int = MAX_VALUE) -> int:
    """How long ``value`` is once written (strings, and lists/dicts expanded; shared parts
    counted each time they appear), computed without writing it; stops past ``limit``."""
    memo: dict[int, int] = {}

    def walk(v: Any) -> int:
        if isinstance(v, str | bytes):
            return len(v)
        if isinstance(v, list | tuple | dict | set | frozenset):
            key = id(v)
            if key in memo:
                return memo[key]
            memo[key] = limit + 1  # a cycle counts as too long
            total = 2 + len(v) * 2
            for item in v.items() if isinstance(v, dict) else v:
                total += walk(item)
                if total > limit:
                    break
            memo[key] = total
            return total
        if isinstance(v, int) and not isinstance(v, bool):
            return v.bit_length() // 3 + 1
        return 8

    return walk(value)


def _format_size(fmt: str, args: Iterable[Any]) -> int:
    """An upper bound of ``fmt % args`` or ``fmt.format(*args)``: every placeholder may hold the
    longest argument, padded to the widest number written in the format."""
    holes = fmt.count("%") + fmt.count("{")
    if not holes:
        return len(fmt)
    numbers = _DIGITS.findall(fmt)
    if any(len(m) > 9 for m in numbers):
        return MAX_VALUE + 1
    width = max((int(m) for m in numbers), default=0)
    longest = max((size(a) for a in args), default=0)
    return len(fmt) + holes * (longest + width + 24)


class Sandbox(ImmutableSandboxedEnvironment):
    """One render's sandbox (budgets are per instance: make one per render)."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.items = MAX_ITEMS
        self.calls = MAX_CALLS
        self.written = MAX_WRITTEN
        self.depth = 0
        self.finalize = self._finalize
        # Only what a plan template needs: no lipsum, cycler, joiner or namespace helpers.
        self.globals = {"range": self._range, "dict": dict}
        self.filters = {name: self.guard_filter(name, f) for name, f in self.filters.items()}

    # -- budgets --------------------------------------------------------------------------------

    def spend(self, n: int) -> None:
        """Draw ``n`` steps from the render's budget."""
        self.items -= max(n, 0)
        if self.items < 0:
            raise Refused(f"the template does more than {MAX_ITEMS} steps of work")

    def check_size(self, n: int, what: str = "a value") -> None:
        if n > MAX_VALUE:
            raise Refused(f"{what} longer than {MAX_VALUE} characters")

    def checked(self, value: Any, what: str = "a value") -> Any:
        """``value``, when it is not too long."""
        if isinstance(value, str | bytes | list | tuple | dict):
            self.check_size(size(value), what)
        return value

    def write(self, n: int) -> str:
        """Count ``n`` characters written (called by the compiled template for its text)."""
        self.written -= n
        if self.written < 0:
            raise Refused(f"the template writes more than {MAX_WRITTEN} characters")
        return ""

    def _finalize(self, value: Any) -> Any:
        n = size(value)
        self.check_size(n, "an output")
        self.write(n)
        return value

    # -- what compiled templates call -------------------------------------------------------------

    def _range(self, *args: int) -> range:
        r = range(*args)
        self.spend(len(r))
        return r

    def iterate(self, iterable: Any) -> Iterator[Any]:
        """What a ``for`` loop walks: each item is a step."""
        for item in iterable:
            self.spend(1)
            yield item

    def tilde(self, *parts: Any) -> str:
        """``a ~ b``, measured before it is built."""
        self.check_size(sum(size(p) for p in parts), "a ~ result")
        return "".join(str(p) for p in parts)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if isinstance(right, int) and abs(right) > 64:
                raise Refused("exponent too large in a template")
            ints = isinstance(left, int) and isinstance(right, int)
            if ints and right > 0 and left.bit_length() * right > MAX_INT_BITS:
                raise Refused("a number too large in a template")
            return left**right
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, str | bytes | list | tuple) and isinstance(times, int):
                    self.check_size(size(seq) * max(times, 0), "a repeated value")
                    self.spend(len(seq) * times)
            ints = isinstance(left, int) and isinstance(right, int)
            if ints and left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise Refused("a number too large in a template")
            return left * right
        if operator == "+":
            if isinstance(left, str | bytes | list | tuple) and type(left) is type(right):
                self.check_size(size(left) + size(right), "a + result")
                if isinstance(left, list | tuple):
                    self.spend(len(left) + len(right))
            return left + right
        # ``%``: string formatting, measured first.
        if isinstance(left, str | bytes):
            args = right if isinstance(right, tuple) else (right,)
            self.check_size(_format_size(str(left), args), "a % result")
        return self.checked(left % right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        self = __self
        if __obj == self.write:  # the compiled template counting its own text
            return self.write(*args)
        self.calls -= 1
        if self.calls < 0:
            raise Refused(f"the template makes more than {MAX_CALLS} calls")
        if self.depth >= MAX_DEPTH:
            raise Refused(f"calls nested more than {MAX_DEPTH} deep")
        if isinstance(__obj, LoopContext) and args:  # ``loop(children)`` in a recursive loop
            args = (self.iterate(args[0]), *args[1:])
        self.depth += 1
        try:
            result = super().call(__context, __obj, *args, **kwargs)
        finally:
            self.depth -= 1
        return self.checked(result, "a call's result")

    def getattr(self, obj: Any, attribute: str) -> Any:
        return self._guard_method(super().getattr(obj, attribute))

    def getitem(self, obj: Any, argument: Any) -> Any:
        return self._guard_method(super().getitem(obj, argument))

    def unsafe_undefined(self, obj: Any, attribute: str) -> jinja2.Undefined:
        raise jinja2.exceptions.SecurityError(
            f"access to attribute {attribute!r} of a {type(obj).__name__!r} is not allowed"
        )

    # -- growing operations, measured before they run -------------------------------------------

    def _guard_method(self, value: Any) -> Any:
        """A string method that can grow its result, wrapped to measure it first."""
        inner = getattr(value, "__wrapped__", value)  # str.format comes wrapped by the sandbox
        owner = getattr(inner, "__self__", None)
        name = getattr(inner, "__name__", "")
        if not isinstance(owner, str | bytes) or name not in _GROWING_METHODS:
            return value

        @functools.wraps(value)
        def measured(*args: Any, **kwargs: Any) -> Any:
            self.check_size(_grown(name, owner, args, kwargs), f"a {name}() result")
            return self.checked(value(*args, **kwargs))

        return measured

    def guard_filter(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        skip = 1 if _PassArg.from_obj(fn) is not None else 0

        @functools.wraps(fn)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            real = args[skip:]
            for arg in (*real, *kwargs.values()):
                if isinstance(arg, str | bytes | list | tuple | dict):
                    self.check_size(size(arg), f"the input of |{name}")
            self.check_size(_grown(name, real[0] if real else "", real[1:], kwargs), f"|{name}")
            result = fn(*args, **kwargs)
            if isinstance(result, list | tuple):
                self.spend(len(result))
            return self.checked(result, f"|{name}")

        return guarded


def _int(value: Any, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _grown(name: str, value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    """An upper bound of the length of ``value.name(*args)`` (a string method or a filter)."""
    n = size(value)
    if name == "replace":
        old = args[0] if args else kwargs.get("old", "")
        new = args[1] if len(args) > 1 else kwargs.get("new", "")
        if not isinstance(value, str | bytes) or not isinstance(old, str | bytes):
            return n
        count = value.count(old) if old else len(value) + 1  # type: ignore[arg-type]
        limit = args[2] if len(args) > 2 else kwargs.get("count")
        if isinstance(limit, int) and limit >= 0:
            count = min(count, limit)
        return n + count * size(new)
    if name in ("center", "ljust", "rjust", "zfill"):
        return max(n, _int(args[0] if args else kwargs.get("width"), 80))
    if name == "expandtabs":
        tab = _int(args[0] if args else kwargs.get("tabsize"), 8)
        return n * max(tab, 1)
    if name == "indent":
        width = args[0] if args else kwargs.get("width", 4)
        pad = size(width) if isinstance(width, str) else _int(width, 4)
        lines = value.count("\n") + 1 if isinstance(value, str) else 1
        return n + lines * pad
    if name == "join":
        if isinstance(value, str | bytes):  # str.join(items): value is the separator
            items = args[0] if args else ()
            count = len(items) if hasattr(items, "__len__") else 0
            return size(items) + count * n
        sep = args[0] if args else kwargs.get("d", "")
        count = len(value) if hasattr(value, "__len__") else 0
        return n + count * size(sep)
    if name in ("format", "format_map"):
        if not isinstance(value, str):
            return n
        return _format_size(value, (*args, *kwargs.values()))
    if name == "wordwrap":
        wrap = args[3] if len(args) > 3 else kwargs.get("wrapstring") or "\n"
        return n * (1 + size(wrap))
    if name == "batch":
        return max(n, _int(args[0] if args else kwargs.get("linecount"), 0))
    if name == "slice":
        return max(n, _int(args[0] if args else kwargs.get("slices"), 0))
    if name == "truncate":
        end = args[2] if len(args) > 2 else kwargs.get("end", "...")
        return n + size(end)
    if name in ("escape", "e", "forceescape", "urlize", "urlencode", "xmlattr", "tojson"):
        return n * 6
    return n


class Guarded(NodeTransformer):
    """Rewrites a parsed template so its loops, ``~`` and written text go through the sandbox."""

    def __init__(self, env: Sandbox) -> None:
        self.env = env

    def call(self, name: str, args: list[nodes.Expr], like: nodes.Node) -> nodes.Call:
        node = _env_call(name, args)
        node.set_lineno(like.lineno or 1)
        node.set_environment(self.env)
        return node

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = self.call("iterate", [node.iter], node)  # type: ignore[list-item]
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return self.call("tilde", list(node.nodes), node)

    def visit_Output(self, node: nodes.Output) -> nodes.Node:
        self.generic_visit(node)
        text = sum(len(n.data) for n in node.nodes if isinstance(n, nodes.TemplateData))
        if text:
            node.nodes.insert(0, self.call("write", [nodes.Const(text)], node))
        return node


def _env_call(name: str, args: list[nodes.Expr]) -> nodes.Call:
    return nodes.Call(nodes.EnvironmentAttribute(name), args, [], None, None)
