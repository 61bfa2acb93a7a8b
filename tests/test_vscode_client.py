"""The VS Code extension in ``vscode-client/``: its unit tests, lint and typecheck (through npm),
and its contributed ``planLsp.*`` settings, which must be the server's own.

The npm tests are skipped when ``npm`` is missing, except in CI (``CI=true``), where they fail.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from plan_lsp.core.checks import CODES, SEVERITIES
from plan_lsp.core.outline import FIELD_RE
from plan_lsp.core.settings import DEFAULT_GLOBS, Settings

ROOT = Path(__file__).parent.parent
CLIENT = ROOT / "vscode-client"
MANIFEST = json.loads((CLIENT / "package.json").read_text("utf-8"))
PROPERTIES: dict[str, dict[str, Any]] = MANIFEST["contributes"]["configuration"]["properties"]


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def wire(value: Any) -> Any:
    """A server default as JSON has it."""
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


SERVER_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}
SERVER_DEFAULTS = {camel(name): wire(getattr(Settings(), name)) for name in SERVER_FIELDS}


def attribute_docstrings() -> dict[str, str]:
    """The one-line docstrings under each ``Settings`` field, read from the source."""
    source = Path(Settings.__module__.replace(".", "/") + ".py")
    tree = ast.parse((ROOT / "server" / source).read_text("utf-8"))
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Settings")
    out: dict[str, str] = {}
    for node, after in zip(cls.body, cls.body[1:], strict=False):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            out[node.target.id] = after.value.value.strip()
    return out


# -- the settings are the server's ------------------------------------------------------------


def test_every_server_setting_is_contributed_and_nothing_else() -> None:
    contributed = {key.removeprefix("planLsp.") for key in PROPERTIES}
    assert contributed == {*SERVER_DEFAULTS, "server.command", "trace.server"}


@pytest.mark.parametrize("key", sorted(SERVER_DEFAULTS))
def test_contributed_default_is_the_servers(key: str) -> None:
    assert PROPERTIES[f"planLsp.{key}"]["default"] == SERVER_DEFAULTS[key]


def test_globs_default_is_the_servers() -> None:
    assert PROPERTIES["planLsp.globs"]["default"] == list(DEFAULT_GLOBS)


@pytest.mark.parametrize("name", sorted(SERVER_FIELDS))
def test_contributed_description_is_the_servers(name: str) -> None:
    docs = attribute_docstrings()
    assert PROPERTIES[f"planLsp.{camel(name)}"]["description"] == docs[name]


JSON_TYPES = {
    "tuple[str, ...]": ("array", "string"),
    "str": ("string", None),
    "Mapping[str, str]": ("object", None),
    "int": ("integer", None),
}


@pytest.mark.parametrize("name", sorted(SERVER_FIELDS))
def test_contributed_type_is_the_servers(name: str) -> None:
    prop = PROPERTIES[f"planLsp.{camel(name)}"]
    kind, items = JSON_TYPES[str(SERVER_FIELDS[name].type)]
    assert prop["type"] == kind
    if items:
        assert prop["items"] == {"type": items}


def test_severity_lists_every_code_and_level() -> None:
    prop = PROPERTIES["planLsp.severity"]
    assert list(prop["properties"]) == list(CODES)
    for code in CODES:
        assert prop["properties"][code]["enum"] == [*SEVERITIES, "off"]
    assert prop["additionalProperties"] is False


def test_the_extensions_field_pattern_is_the_servers() -> None:
    source = (CLIENT / "src" / "common" / "fields.ts").read_text("utf-8")
    found = re.search(r"^export const FIELD_RE = /(.*)/g;$", source, re.M)
    assert found is not None, "vscode-client/src/common/fields.ts: no FIELD_RE literal"
    assert found.group(1) == FIELD_RE.pattern


def test_max_diagnostics_is_never_negative() -> None:
    assert PROPERTIES["planLsp.maxDiagnostics"]["minimum"] == 0


def test_requirements_pin_every_dependency_of_the_server() -> None:
    """bundled/libs is made from requirements.txt: each of the server's dependencies is pinned
    there to a version the server accepts."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    lines = (CLIENT / "requirements.txt").read_text("utf-8").splitlines()
    pins: dict[str, str] = {}
    for line in lines:
        line = line.split("#")[0].strip()
        if line:
            req = Requirement(line)
            (spec,) = req.specifier
            assert spec.operator == "==", line
            pins[re.sub(r"[-_.]+", "-", req.name).lower()] = spec.version
    for dep in project["dependencies"]:
        req = Requirement(dep)
        name = re.sub(r"[-_.]+", "-", req.name).lower()
        assert name in pins, f"{name} is not in vscode-client/requirements.txt"
        assert req.specifier.contains(pins[name]), f"{name}=={pins[name]} does not satisfy {dep}"


def test_vsix_name_and_version_are_the_servers() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert MANIFEST["name"] == project["name"]
    assert MANIFEST["version"] == project["version"]


# -- npm: unit tests, lint, typecheck ---------------------------------------------------------


def _npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        if os.environ.get("CI") == "true":
            pytest.fail("npm is needed in CI for the VS Code extension's tests")
        pytest.skip("npm is not installed")
    return npm


def _run(args: list[str], timeout: float) -> str:
    got = subprocess.run(
        args, cwd=CLIENT, capture_output=True, text=True, timeout=timeout, check=False
    )
    out = got.stdout + got.stderr
    assert got.returncode == 0, f"{' '.join(args)} exited {got.returncode}:\n{out[-6000:]}"
    return out


@pytest.fixture(scope="module")
def npm() -> str:
    npm = _npm()
    installed = CLIENT / "node_modules" / ".package-lock.json"
    lock = CLIENT / "package-lock.json"
    if not installed.is_file() or installed.stat().st_mtime < lock.stat().st_mtime:
        _run([npm, "ci", "--no-audit", "--no-fund"], timeout=600)
    return npm


def test_unit_tests_pass(npm: str) -> None:
    out = _run([npm, "test"], timeout=300)
    assert re.search(r"^# fail 0$", out, re.M), out[-3000:]
    passed = re.search(r"^# pass (\d+)$", out, re.M)
    assert passed and int(passed.group(1)) > 0, out[-3000:]


def test_lint_is_clean(npm: str) -> None:
    _run([npm, "run", "lint"], timeout=300)


def test_typecheck_is_clean(npm: str) -> None:
    npx = shutil.which("npx") or "npx"
    _run([npx, "tsc", "--noEmit"], timeout=300)


# -- the README's section on the extension ----------------------------------------------------


def _readme_section() -> str:
    readme = (ROOT / "README.md").read_text("utf-8")
    start = readme.index("## VS Code extension")
    end = readme.find("\n## ", start + 1)
    return readme[start : end if end != -1 else None]


def test_readme_lists_every_setting_with_its_default() -> None:
    row = re.compile(r"^\| `(planLsp\.[\w.]+)` \| [^|]+ \| `([^`]*)` \|", re.M)
    rows = {m.group(1): m.group(2) for m in row.finditer(_readme_section())}
    assert set(rows) == set(PROPERTIES)
    for key, shown in rows.items():
        assert json.loads(shown) == PROPERTIES[key]["default"], key


def test_readme_screenshots_exist() -> None:
    shots = re.findall(r"\]\((vscode-client/e2e/screenshots/[^)]+\.png)\)", _readme_section())
    assert len(shots) >= 4
    for shot in shots:
        assert (ROOT / shot).is_file(), shot


def test_ci_runs_the_readme_e2e_command_when_asked() -> None:
    blocks = re.findall(r"```sh\n(.*?)\n```", _readme_section(), re.S)
    assert "vscode-client/e2e/run.sh" in blocks
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert 'if [ "${CI_E2E:-}" = "1" ]; then bash vscode-client/e2e/run.sh; fi' in ci
