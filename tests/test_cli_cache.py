"""``plan-lsp check``'s cache and exit statuses against hostile repositories and machines.

The cache cannot change a result (issue 13, items 12, 13, 15, 16): a cache file from elsewhere is
never trusted, a malformed entry means a re-check, link dependencies are absolute, a full disk
leaves nothing behind. A crash exits 3, a closed stdout keeps the real status (item 14).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import SEED, complete_plan, remove_section
from test_cli import env, run

BROKEN = remove_section(complete_plan(), "Overview").replace(
    "**Status:** Draft", "**Status:** Done"
)


def _sign(secret: bytes, entries: Any) -> bytes:
    body = json.dumps(entries, separators=(",", ":")).encode()
    return hmac.new(secret, body, hashlib.blake2b).hexdigest().encode() + b"\n" + body


def _cache_file(folder: Path) -> Path:
    [found] = folder.glob("check-*.json")
    return found


def test_a_committed_cache_beside_a_broken_plan_changes_nothing(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    plan = repo / "a-plan.md"
    # The attacker, on their own machine: a cache for the fixed plan, then an entry claiming the
    # broken plan is clean, signed with their own secret, committed beside the broken plan.
    plan.write_text(complete_plan(), "utf-8")
    attacker = {"XDG_CACHE_HOME": str(tmp_path / "attacker")}
    made = run("check", "--cache-dir", ".plan-lsp-cache", ".", cwd=repo, **attacker)
    assert made.returncode == 0
    committed = _cache_file(repo / ".plan-lsp-cache")
    entries = json.loads(committed.read_bytes().partition(b"\n")[2])
    [(where, entry)] = entries.items()
    plan.write_text(BROKEN, "utf-8")
    entry[0] = hashlib.blake2b(BROKEN.encode(), digest_size=16).hexdigest()
    secret = (tmp_path / "attacker" / "plan-lsp" / "secret").read_bytes()
    committed.write_bytes(_sign(secret, {where: entry}))
    # On the attacker's machine the forged cache would pass: the test can fail.
    fooled = run("check", "--cache-dir", ".plan-lsp-cache", ".", cwd=repo, **attacker)
    assert (fooled.returncode, fooled.stdout) == (0, "")
    # In CI: by default, with the folder named, and through the environment.
    honest = run("check", "--no-cache", ".", cwd=repo)
    assert honest.returncode == 1 and honest.stdout.count("\n") == 2
    for how, extra in (
        ((), {}),
        (("--cache-dir", ".plan-lsp-cache"), {}),
        ((), {"PLAN_LSP_CACHE_DIR": str(repo / ".plan-lsp-cache")}),
    ):
        out = run("check", *how, ".", cwd=repo, **extra)
        assert (out.returncode, out.stdout) == (1, honest.stdout), (how, extra)
    # The default cache is the user's, not the repository's.
    assert list((repo / ".cache" / "plan-lsp").glob("check-*.json"))


def test_the_cache_is_bound_to_the_files_content_and_the_template(tmp_path: Path) -> None:
    (tmp_path / "a-plan.md").write_text(complete_plan(), "utf-8")
    assert run("check", ".", cwd=tmp_path).returncode == 0
    (tmp_path / "a-plan.md").write_text(BROKEN, "utf-8")
    assert run("check", ".", cwd=tmp_path).returncode == 1
    # A team template replacing the plan: the cached results of the built-in one do not count.
    (tmp_path / ".plan-templates").mkdir()
    template = "# Implementation Plan: {{FEATURE}}\n\n## Only\n\nx\n"
    (tmp_path / ".plan-templates" / "plan.md").write_text(template, "utf-8")
    (tmp_path / "a-plan.md").write_text(complete_plan(), "utf-8")
    out = run("check", ".", cwd=tmp_path)
    assert "Missing section '## Only'" in out.stdout


def test_a_changed_checker_never_reads_an_older_ones_results(tmp_path: Path) -> None:
    # A copy of the package whose check says something else once edited: the same plan, the
    # same cache folder, and the edited checker's own words come out.
    import shutil

    import plan_lsp

    copy = tmp_path / "lib"
    shutil.copytree(
        Path(plan_lsp.__file__).parent, copy / "plan_lsp",
        ignore=shutil.ignore_patterns("__pycache__"),
    )  # fmt: skip
    work = tmp_path / "work"
    work.mkdir()
    (work / "a-plan.md").write_text(BROKEN, "utf-8")
    lib = {"PYTHONPATH": str(copy)}
    first = run("check", ".", cwd=work, **lib)
    assert "Missing section '## Overview'" in first.stdout
    checks = copy / "plan_lsp" / "core" / "checks.py"
    source = checks.read_text("utf-8")
    assert source.count("Missing section") >= 1
    checks.write_text(source.replace("Missing section", "Absent section"), "utf-8")
    second = run("check", ".", cwd=work, **lib)
    assert "Absent section '## Overview'" in second.stdout
    assert "Missing section" not in second.stdout


def _poisoned(tmp_path: Path, damage: Any) -> tuple[subprocess.CompletedProcess[str], str]:
    """A check with the user's own (validly signed) cache entries replaced by ``damage``."""
    (tmp_path / "a-plan.md").write_text(BROKEN, "utf-8")
    honest = run("check", "--no-cache", ".", cwd=tmp_path)
    assert run("check", ".", cwd=tmp_path).stdout == honest.stdout
    folder = tmp_path / ".cache" / "plan-lsp"
    file = _cache_file(folder)
    entries = json.loads(file.read_bytes().partition(b"\n")[2])
    file.write_bytes(_sign((folder / "secret").read_bytes(), damage(entries)))
    return run("check", ".", cwd=tmp_path), honest.stdout


@pytest.mark.parametrize(
    "damage",
    [
        lambda e: 7,
        lambda e: [1, 2],
        lambda e: dict.fromkeys(e, 3),
        lambda e: {k: {"a": 1} for k in e},
        lambda e: {k: [v[0], [], v[2]] for k, v in e.items()},
        lambda e: {k: [v[0], {**v[1], "findings": 5}, v[2]] for k, v in e.items()},
        lambda e: {k: [v[0], {**v[1], "findings": [7]}, v[2]] for k, v in e.items()},
        lambda e: {k: [v[0], v[1], [1]] for k, v in e.items()},
        lambda e: {k: [v[0], v[1], {"x": [1, "a"]}] for k, v in e.items()},
    ],
    ids=["number", "list", "entry-number", "entry-map", "result-list", "findings-number",
         "finding-number", "deps-list", "deps-bad"],
)  # fmt: skip
def test_a_malformed_cache_entry_means_a_recheck(tmp_path: Path, damage: Any) -> None:
    out, honest = _poisoned(tmp_path, damage)
    assert (out.returncode, out.stdout) == (1, honest)
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("odd", ["fifo", "dev-zero", "folder", "secret-fifo", "secret-folder"])
def test_a_cache_file_that_is_not_a_file_never_blocks(tmp_path: Path, odd: str) -> None:
    (tmp_path / "a-plan.md").write_text(BROKEN, "utf-8")
    honest = run("check", "--no-cache", ".", cwd=tmp_path)
    assert run("check", ".", cwd=tmp_path).stdout == honest.stdout
    folder = tmp_path / ".cache" / "plan-lsp"
    target = folder / "secret" if odd.startswith("secret") else _cache_file(folder)
    target.unlink()
    if odd.endswith("fifo"):
        os.mkfifo(target)
    elif odd.endswith("folder"):
        target.mkdir()
    else:
        target.symlink_to("/dev/zero")
    out = run("check", ".", cwd=tmp_path)  # a blocking read would hit the run's timeout
    assert (out.returncode, out.stdout) == (1, honest.stdout), out.stderr
    again = run("check", ".", cwd=tmp_path)
    assert (again.returncode, again.stdout) == (1, honest.stdout)


def test_cache_links_are_absolute_for_a_shared_cache(tmp_path: Path) -> None:
    docs = tmp_path / "proj" / "docs"
    docs.mkdir(parents=True)
    text = complete_plan().replace("## Notes\n", "## Notes\n\nSee [the spec](spec.md).\n")
    (docs / "a-plan.md").write_text(text, "utf-8")
    shared = str(tmp_path / "shared")
    first = run("check", "--cache-dir", shared, "docs", cwd=tmp_path / "proj")
    assert "broken-link" in first.stdout
    (docs / "spec.md").write_text("# Spec\n", "utf-8")
    again = run("check", "--cache-dir", shared, "a-plan.md", cwd=docs)
    assert (again.returncode, again.stdout) == (0, "")


def _fsize_limit() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))


def _plans(folder: Path, count: int) -> None:
    for i in range(count):
        (folder / f"p{i:02d}-plan.md").write_text(BROKEN, "utf-8")


def test_a_full_disk_leaves_no_temporary_files(tmp_path: Path) -> None:
    _plans(tmp_path, 12)
    honest = run("check", "--no-cache", ".", cwd=tmp_path)
    out = subprocess.run(
        [sys.executable, "-m", "plan_lsp", "check", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env(tmp_path),
        preexec_fn=_fsize_limit,
        timeout=120,
    )
    assert (out.returncode, out.stdout) == (1, honest.stdout)
    folder = tmp_path / ".cache" / "plan-lsp"
    assert (folder / "secret").exists()  # small files could be written, the cache could not
    assert sorted(p.name for p in folder.iterdir()) == [".gitignore", "secret"]


def test_a_full_tmpfs_leaves_no_temporary_files(tmp_path: Path) -> None:
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("no mount namespace here (not root)")
    _plans(tmp_path, 12)
    honest = run("check", "--no-cache", ".", cwd=tmp_path)
    cache = tmp_path / "small"
    cache.mkdir()
    script = 'mount -t tmpfs -o size=8k tmpfs "$0" && exec "$@"'
    out = subprocess.run(
        ["unshare", "-m", "sh", "-c", script, str(cache), sys.executable, "-m", "plan_lsp",
         "check", "--cache-dir", str(cache / "c"), "."],
        cwd=tmp_path, capture_output=True, text=True, env=env(tmp_path), timeout=120,
    )  # fmt: skip
    assert (out.returncode, out.stdout) == (1, honest.stdout), out.stderr
    assert list(cache.iterdir()) == []  # the mount is gone with its namespace
    assert "No space left" not in out.stderr


def test_a_closed_stdout_keeps_the_real_exit_status(tmp_path: Path) -> None:
    # Enough findings to fill the pipe: the writes after the reader leaves fail.
    body = "".join(f"- {{{{T{i}}}}} <<F{i}>>\n" for i in range(3000))
    (tmp_path / "a-plan.md").write_text(complete_plan() + body, "utf-8")
    (tmp_path / "b-plan.md").write_text(complete_plan() + body.replace("{{", "<<"), "utf-8")
    for name, status in (("a-plan.md", 1), ("b-plan.md", 0)):
        proc = subprocess.Popen(
            [sys.executable, "-m", "plan_lsp", "check", "--no-cache", name],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env(tmp_path),
        )
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.read(100)
        proc.stdout.close()  # like ``| head -c 100``
        stderr = proc.stderr.read().decode()
        assert proc.wait(timeout=120) == status, stderr
        assert "Traceback" not in stderr and "BrokenPipe" not in stderr
    shell = subprocess.run(
        "python3 -m plan_lsp check --no-cache a-plan.md | head -1; exit ${PIPESTATUS[0]}",
        shell=True,
        executable="/bin/bash",
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**env(tmp_path), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"},
    )
    assert shell.returncode == 1 and shell.stdout.count("\n") == 1


def _peak_kb(pid_status: str) -> int:
    for line in pid_status.splitlines():
        if line.startswith("VmPeak:"):
            return int(line.split()[1])
    raise AssertionError("no VmPeak")


def test_a_crash_exits_3_not_1(tmp_path: Path) -> None:
    # A real crash: no memory left while parsing a large plan (the address space is capped).
    (tmp_path / "small-plan.md").write_text(complete_plan(), "utf-8")
    code = (
        "import sys\nfrom plan_lsp.cli.main import main\n"
        "rc = main(sys.argv[1:])\n"
        "print(open('/proc/self/status').read(), file=sys.stderr)\n"
        "sys.exit(rc)\n"
    )
    base = subprocess.run(
        [sys.executable, "-c", code, "check", "--no-cache", "-j", "1", "small-plan.md"],
        cwd=tmp_path, capture_output=True, text=True, env=env(tmp_path), check=False,
    )  # fmt: skip
    assert base.returncode == 0, base.stderr
    limit = (_peak_kb(base.stderr) + 96 * 1024) * 1024
    (tmp_path / "big-plan.md").write_text(complete_plan() + "- x <<F>>\n" * 400_000, "utf-8")

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    out = subprocess.run(
        [sys.executable, "-m", "plan_lsp", "check", "--no-cache", "-j", "1", "big-plan.md"],
        cwd=tmp_path, capture_output=True, text=True, env=env(tmp_path), preexec_fn=cap,
        timeout=300,
    )  # fmt: skip
    assert out.returncode == 3, out.stderr[-2000:]
    assert "internal error: MemoryError" in out.stderr
    assert out.stdout == ""


# -- fuzzing the cache file ---------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)  # fmt: skip


def _kind(v: Any) -> str:
    return "int" if isinstance(v, int) and not isinstance(v, bool) else type(v).__name__


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _nodes(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _nodes(v, (*path, i))
    return out


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        value = value[p]
    return value


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _replace(value[path[0]], path[1:], new)
    return copy


class _Corpus:
    """A folder of plans checked once without a cache: what every cached run must print."""

    def __init__(self) -> None:
        import tempfile

        self.dir = Path(tempfile.mkdtemp(prefix="plan-lsp-cache-fuzz-"))
        (self.dir / "docs").mkdir()
        (self.dir / "docs" / "a-plan.md").write_text(BROKEN, "utf-8")
        linked = complete_plan().replace("## Notes\n", "## Notes\n\n[s](spec.md#x) [t](t.md)\n")
        (self.dir / "docs" / "b-plan.md").write_text(linked, "utf-8")
        (self.dir / "docs" / "t.md").write_text("# T\n", "utf-8")
        (self.dir / "docs" / "c-plan.md").write_text(SEED, "utf-8")
        self.cache = self.dir / ".cache" / "plan-lsp"
        self.honest = self.check("--no-cache")
        assert self.check() == self.honest  # writes the cache
        self.file = _cache_file(self.cache)
        self.entries = json.loads(self.file.read_bytes().partition(b"\n")[2])
        self.secret = (self.cache / "secret").read_bytes()

    def check(self, *flags: str) -> tuple[int, str]:
        from plan_lsp.cli.main import main

        out = io.StringIO()
        old = (
            os.getcwd(),
            os.environ.get("XDG_CACHE_HOME"),
            os.environ.pop("PLAN_LSP_CACHE_DIR", ""),
        )
        os.chdir(self.dir)
        os.environ["XDG_CACHE_HOME"] = str(self.dir / ".cache")
        try:
            with contextlib.redirect_stdout(out):
                rc = main(["check", "-j", "1", "--format", "json", *flags, "docs"])
        finally:
            os.chdir(old[0])
            if old[1] is None:
                os.environ.pop("XDG_CACHE_HOME", None)
            else:
                os.environ["XDG_CACHE_HOME"] = old[1]
            if old[2]:
                os.environ["PLAN_LSP_CACHE_DIR"] = old[2]
        return rc, out.getvalue()


_CORPUS: list[_Corpus] = []


def _corpus() -> _Corpus:
    if not _CORPUS:
        _CORPUS.append(_Corpus())
    return _CORPUS[0]


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(raw=st.binary(max_size=200) | JSON.map(lambda v: json.dumps(v).encode()), sign=st.booleans())
def test_fuzz_hostile_cache_files_never_change_a_result(raw: bytes, sign: bool) -> None:
    c = _corpus()
    data = raw
    if sign:  # validly signed garbage: only validation stands between it and the result
        data = hmac.new(c.secret, raw, hashlib.blake2b).hexdigest().encode() + b"\n" + raw
    c.file.write_bytes(data)
    assert c.check() == c.honest


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_fuzz_damaged_cache_entries_never_change_a_result(data: st.DataObject) -> None:
    c = _corpus()
    entries = c.entries
    path = data.draw(st.sampled_from(_nodes(entries)))
    old = _get(entries, path)
    # Damage that leaves no valid entry claiming another result: a value of another type, a key
    # dropped from a map (a dropped list item could leave a valid, shorter list of findings),
    # something added.
    how = data.draw(st.sampled_from(["retype", "drop", "extra"]))
    new: Any
    if how == "drop" and isinstance(old, dict) and old:
        new = dict(old)
        del new[data.draw(st.sampled_from(sorted(new)))]
    elif how == "extra" and isinstance(old, dict):
        new = {**old, data.draw(st.text(max_size=5)): data.draw(JSON)}
    elif how == "extra" and isinstance(old, list):
        new = [*old, data.draw(JSON)]
    else:
        new = data.draw(JSON.filter(lambda v: v is not None and _kind(v) != _kind(old)))
    damaged = _replace(entries, path, new)
    c.file.write_bytes(_sign(c.secret, damaged))
    assert c.check() == c.honest
