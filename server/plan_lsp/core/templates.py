"""Templates: loading, metadata (YAML front matter under ``plan-lsp:``) and sandboxed rendering.

A template is Markdown with jinja2 placeholders. ``{{NAME}}`` or ``{{Step Title}}`` is a *field*:
rendering fills the fields it knows from the context and writes every other one as ``<<NAME>>``
for the writer to resolve — never an empty string, never an error. Rendering runs in jinja2's
immutable sandbox: a template is data and cannot reach attributes, imports, files or the
environment.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jinja2
import yaml

from plan_lsp.core import rules as rules_
from plan_lsp.core.resources import builtin_text as builtin_text
from plan_lsp.core.sandbox import Guarded, Sandbox

META_KEY = "plan-lsp"
MAX_OUTPUT = 5_000_000
META_KEYS = frozenset(
    {
        "description",
        "applies-to",
        "optional",
        "fields",
        "severity",
        "rules",
        "placeholders",
        "boilerplate",
    }
)
FIELD_META_KEYS = frozenset({"description", "values", "default"})

# ``{{ Step Title }}``: a placeholder that is a name (words, spaces, dashes), not an expression.
_FIELD_PLACEHOLDER = re.compile(r"\{\{-?\s*([A-Za-z_][\w \-./]*?)\s*-?\}\}")
_JINJA_ANY = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}")
_IDENT = re.compile(r"[A-Za-z_]\w*$")
_FRONT = re.compile(r"\A---[ \t]*\n(.*?\n)?---[ \t]*(?:\n|\Z)", re.S)


class _NoAliases(yaml.SafeLoader):
    """YAML without aliases (``*name``): a few aliases of aliases ("billion laughs") would
    expand into billions of items when the metadata is read."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in front matter", event.start_mark
            )
        return super().compose_node(parent, index)


class TemplateError(Exception):
    """A template that cannot be used; ``line`` is zero-based in the template file, if known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def marker(name: str) -> str:
    """How an unknown field is written in a rendered document."""
    return f"<<{name}>>"


def field_key(name: str) -> str:
    """Normalized field name: ``FEATURE_NAME``, ``feature-name`` and ``Feature Name`` are one."""
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")


@dataclass(frozen=True)
class FieldMeta:
    """What the template's metadata says about one field."""

    description: str = ""
    values: tuple[str, ...] = ()
    default: str | None = None


@dataclass(frozen=True)
class Metadata:
    """The ``plan-lsp:`` block of a template's front matter."""

    description: str = ""
    applies_to: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    fields: Mapping[str, FieldMeta] = field(default_factory=dict)
    severity: Mapping[str, str] = field(default_factory=dict)
    problems: tuple[tuple[str, int | None], ...] = ()
    rules: tuple[rules_.Rule, ...] = ()
    """Status-aware rules (:mod:`plan_lsp.core.rules`)."""
    placeholders: tuple[str, ...] = ()
    """Declared placeholder syntaxes (``{…}``, ``NNNN``; see :mod:`plan_lsp.core.placeholders`)."""
    boilerplate: tuple[str, ...] = ()
    """Sections whose template text may stay in documents as it is (process notes)."""
    """Unknown keys and wrong types: (message, zero-based line in the template)."""

    def field(self, name: str) -> FieldMeta | None:
        key = field_key(name)
        for k, v in self.fields.items():
            if field_key(k) == key:
                return v
        return None


@dataclass(frozen=True)
class TemplateSource:
    """A template's text split into metadata, the rest of its front matter, and its body."""

    name: str
    text: str
    metadata: Metadata
    front: str
    """Front matter without the ``plan-lsp`` key, rendered into new documents ('' if none)."""
    body: str
    body_line: int
    """Line of the template file where ``body`` starts."""


def load(name: str, text: str) -> TemplateSource:
    """Split a template into metadata and body. Raises :class:`TemplateError` for invalid YAML."""
    m = _FRONT.match(text)
    if not m:
        return TemplateSource(name, text, Metadata(), "", text, 0)
    raw = m.group(1) or ""
    body = text[m.end() :]
    body_line = text.count("\n", 0, m.end())
    try:
        # Placeholders in the rest of the front matter are not YAML; read them as plain text.
        data = yaml.load(_JINJA_ANY.sub("x", raw), _NoAliases) if raw.strip() else {}
    except RecursionError as exc:
        raise TemplateError("invalid YAML in front matter: nested too deep", 0) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        raise TemplateError(f"invalid YAML in front matter: {exc}", line) from exc
    if not isinstance(data, dict):
        # Not a mapping: it is not metadata, keep it as text in the document.
        return TemplateSource(name, text, Metadata(), text[: m.end()], body, body_line)
    meta_raw = data.pop(META_KEY, None)
    metadata = _metadata(meta_raw, raw) if meta_raw is not None else Metadata()
    front = ""
    if data:
        front = "---\n" + _without_meta_block(raw) + "---\n"
    return TemplateSource(name, text, metadata, front, body, body_line)


def _without_meta_block(raw: str) -> str:
    out: list[str] = []
    skipping = False
    for line in raw.splitlines(keepends=True):
        if line.startswith(META_KEY + ":"):
            skipping = True
            continue
        if skipping and (line.startswith((" ", "\t")) or not line.strip()):
            continue
        skipping = False
        out.append(line)
    return "".join(out)


_KEY_LINE = re.compile(r"[ \t]*(?:- +)?([^:#\s][^:#]*?)[ \t]*:")


def _key_lines(raw: str) -> Callable[[str], int | None]:
    r"""``line_of(key)``: the 1-based line of the front matter where ``key:`` is first written.

    One pass over the lines builds the index, so a front matter of 60,000 blank lines, or with
    thousands of keys, is read once (a regex search per key, with ``\s*`` spanning line breaks,
    was quadratic).
    """
    first: dict[str, int] = {}
    for n, line in enumerate(raw.split("\n")):
        m = _KEY_LINE.match(line)
        if m is not None:
            first.setdefault(m.group(1).strip("'\""), n + 1)
    return first.get


def _strs(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return tuple(str(v) for v in value)
    return None


def _metadata(meta: Any, raw: str) -> Metadata:
    line_of = _key_lines(raw)
    problems: list[tuple[str, int | None]] = []
    if not isinstance(meta, dict):
        return Metadata(problems=((f"'{META_KEY}' must be a mapping", line_of(META_KEY)),))
    for key in meta:
        if key not in META_KEYS:
            allowed = ", ".join(sorted(META_KEYS))
            problems.append((f"unknown metadata key '{key}' (known: {allowed})", line_of(str(key))))
    description = meta.get("description", "")
    if not isinstance(description, str):
        problems.append(("'description' must be text", line_of("description")))
        description = ""
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("applies-to", "optional", "placeholders", "boilerplate"):
        value = _strs(meta.get(key, []))
        if value is None:
            problems.append((f"'{key}' must be a list of text", line_of(key)))
        lists[key] = value or ()
    fields: dict[str, FieldMeta] = {}
    raw_fields = meta.get("fields", {}) or {}
    if not isinstance(raw_fields, dict):
        problems.append(("'fields' must be a mapping of field names", line_of("fields")))
        raw_fields = {}
    for fname, spec in raw_fields.items():
        spec = spec or {}
        if isinstance(spec, str):
            spec = {"description": spec}
        if not isinstance(spec, dict):
            problems.append((f"field '{fname}' must be a mapping", line_of(str(fname))))
            continue
        for key in spec:
            if key not in FIELD_META_KEYS:
                allowed = ", ".join(sorted(FIELD_META_KEYS))
                problems.append(
                    (
                        f"unknown key '{key}' in field '{fname}' (known: {allowed})",
                        line_of(str(key)),
                    )
                )
        values = _strs(spec.get("values", [])) or ()
        default = spec.get("default")
        fields[str(fname)] = FieldMeta(
            str(spec.get("description", "")), values, None if default is None else str(default)
        )
    severity = meta.get("severity", {}) or {}
    if not isinstance(severity, dict):
        problems.append(("'severity' must map codes to severities", line_of("severity")))
        severity = {}
    rules, rule_problems = rules_.parse(meta.get("rules"), line_of("rules"))
    problems += rule_problems
    return Metadata(
        description,
        lists["applies-to"],
        lists["optional"],
        fields,
        {str(k): str(v) for k, v in severity.items()},
        tuple(problems),
        rules,
        lists["placeholders"],
        lists["boilerplate"],
    )


class _FieldUndefined(jinja2.Undefined):
    """An unknown field renders as ``<<NAME>>``, whatever is done with it."""

    __slots__ = ()

    def __str__(self) -> str:
        return marker(self._undefined_name or "FIELD")

    def __iter__(self) -> Any:
        return iter(())

    def __bool__(self) -> bool:
        return False


def _link(value: Any) -> str:
    if isinstance(value, jinja2.Undefined):
        return str(value)
    text = str(value)
    if text.startswith("<<") or text.startswith("["):
        return text
    return f"[{text}]({text})"


def _environment() -> Sandbox:
    env = Sandbox(
        undefined=_FieldUndefined,
        keep_trailing_newline=True,
        autoescape=False,
        # A template cannot load other templates: no loader is configured.
    )
    env.filters["link"] = env.guard_filter("link", _link)
    return env


def to_jinja(body: str) -> str:
    """Turn name placeholders into field lookups, so ``{{Step Title}}`` is valid jinja2.

    Line numbers are kept, so jinja2's error lines are the template's lines.
    """

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if _IDENT.match(name) and name not in ("true", "false", "none", "True", "False", "None"):
            return "{{ field(%r) }}" % name
        if "__" not in name and any(c in name for c in " -./"):
            return "{{ field(%r) }}" % name
        return m.group(0)

    return _FIELD_PLACEHOLDER.sub(sub, body)


def lookup(context: Mapping[str, str], name: str) -> str | None:
    """The context's value for field ``name``: the exact key first, then one of the values
    scaffolding knows (:data:`KNOWN`) named by a word of the field.

    ``FEATURE_NAME`` finds ``feature``, ``ISSUE_ID`` finds ``issue``, ``DATE`` finds ``date``;
    a ``--set TITLE=…`` fills ``{{TITLE}}`` only, not ``{{Option Title}}``.
    """
    key = field_key(name)
    by_key = {field_key(k): v for k, v in context.items()}
    if key in by_key:
        return by_key[key]
    parts = key.split("_")
    for k in KNOWN:
        if k in parts and k in by_key:
            return by_key[k]
    return None


KNOWN = ("feature", "issue", "author", "date", "spec", "status")
"""What scaffolding can know about a new document, matched by word in a field's name."""


def render(source: TemplateSource, context: Mapping[str, str]) -> str:
    """Render a template: known fields filled, unknown ones as ``<<FIELD>>``.

    Raises :class:`TemplateError` (with the template's line) on syntax errors and on anything the
    sandbox refuses.
    """
    env = _environment()

    def field_fn(name: str) -> str:
        value = lookup(context, name)
        return marker(name) if value is None else value

    names: dict[str, Any] = {"field": field_fn}
    text = source.front + "\0" + source.body if source.front else source.body
    offset = source.body_line - (source.front.count("\n") if source.front else 0)
    try:
        tree = env.parse(to_jinja(text))
        # Plain identifiers used as expressions (``{{ SPEC | link }}``) come from the context.
        from jinja2 import meta

        undeclared = meta.find_undeclared_variables(tree)
        # Loops, ``~`` and written text go through the sandbox's budgets.
        tmpl = env.from_string(Guarded(env).visit(tree))
        for var in undeclared:
            value = lookup(context, var)
            if value is not None:
                names[var] = value
        chunks: list[str] = []
        size = 0
        for chunk in tmpl.generate(names):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise TemplateError(f"template output exceeds {MAX_OUTPUT} characters")
            chunks.append(chunk)
        out = "".join(chunks)
    except jinja2.TemplateSyntaxError as exc:
        line = (exc.lineno - 1 + offset) if exc.lineno else None
        raise TemplateError(f"template syntax error: {exc.message}", line) from exc
    except jinja2.exceptions.SecurityError as exc:
        raise TemplateError(f"template refused by the sandbox: {exc}") from exc
    except jinja2.TemplateError as exc:
        raise TemplateError(f"template error: {exc}") from exc
    except TemplateError:
        raise
    except TypeError as exc:
        if "no loader" in str(exc):
            raise TemplateError("a template cannot include, import or extend files") from exc
        raise TemplateError(f"template failed: TypeError: {exc}") from exc
    except Exception as exc:  # the sandbox turns many escapes into ordinary errors
        raise TemplateError(f"template failed: {type(exc).__name__}: {exc}") from exc
    return out.replace("\0", "", 1) if source.front else out
