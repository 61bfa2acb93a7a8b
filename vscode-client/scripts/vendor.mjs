// Vendors the language server into bundled/libs: plan_lsp (copied from ../server) and its
// dependencies (`pip install --no-deps --target` from requirements.txt). Compiled speed-ups
// (PyYAML's _yaml, MarkupSafe's _speedups) are removed: both packages fall back to pure Python,
// so one .vsix runs on every platform and every Python >= 3.11. Then it checks that the bundle
// imports in an isolated interpreter with nothing but bundled/libs.
//
// Last, the bundle is compiled to bytecode (unchecked-hash .pyc: the bundle never changes once
// installed) by every CPython >= 3.11 found (PYTHON, then python3.11 ... python3.14 on PATH), so
// a first start with one of those never compiles the libraries: that was ~1.5 s of the first
// squiggle. Another Python compiles on first use, as before. Each of those Pythons also writes
// the attrs code of lsprotocol's classes (plan_lsp/lsp/__pycache__/lsprotocol-attrs.*.bin, see
// plan_lsp/lsp/bytecode.py). VENDOR_BYTECODE=0 leaves all of it out (to measure a first run
// without).
//
// PYTHON names the Python (>= 3.11, with pip) to run pip with; default python3 (py on Windows).
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const client = dirname(dirname(fileURLToPath(import.meta.url)));
const libs = join(client, "bundled", "libs");
const source = join(client, "..", "server", "plan_lsp");
const python = process.env.PYTHON || (process.platform === "win32" ? "py" : "python3");

function run(args) {
  const env = { ...process.env, PIP_ROOT_USER_ACTION: "ignore", PIP_DISABLE_PIP_VERSION_CHECK: "1" };
  const got = spawnSync(python, args, { stdio: "inherit", cwd: client, env });
  if (got.error || got.status !== 0) {
    console.error(`vendor: ${python} ${args.join(" ")} failed: ${got.error ?? `exit ${got.status}`}`);
    process.exit(1);
  }
}

function walk(dir, visit) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name === "__pycache__") {
        rmSync(path, { recursive: true, force: true });
      } else {
        walk(path, visit);
      }
    } else {
      visit(path, name);
    }
  }
}

if (!existsSync(join(source, "__init__.py"))) {
  console.error(`vendor: no plan_lsp package at ${source}`);
  process.exit(1);
}
rmSync(libs, { recursive: true, force: true });
run([
  "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
  "--no-deps", "--only-binary", ":all:", "--target", libs, "-r", "requirements.txt",
]);
cpSync(source, join(libs, "plan_lsp"), {
  recursive: true,
  filter: (path) => !path.includes("__pycache__") && !path.endsWith(".pyc"),
});
rmSync(join(libs, "bin"), { recursive: true, force: true });
const removed = [];
walk(libs, (path, name) => {
  if (/\.(so|pyd|dylib)$/.test(name) || /\.cpython-.*\.so$/.test(name)) {
    rmSync(path);
    removed.push(path.slice(libs.length + 1));
  }
});
if (removed.length) {
  console.log(`vendor: removed compiled modules (pure-Python fallbacks remain): ${removed.join(", ")}`);
}
// The bundle must import with nothing but bundled/libs (isolated mode, no site-packages).
run([
  "-I", "-S", "-B", "-c",
  "import sys; sys.path.insert(0, sys.argv[1]); " +
    "import plan_lsp.lsp.handlers, plan_lsp.cli.main, yaml, markupsafe, jinja2; " +
    "assert plan_lsp.__file__.startswith(sys.argv[1]), plan_lsp.__file__; " +
    "print('vendor: plan_lsp', plan_lsp.__version__, 'imports from bundled/libs')",
  libs,
]);

// Bytecode for every CPython >= 3.11 at hand (one __pycache__ entry per version).
const compiled = new Set();
const pythons = process.env.VENDOR_BYTECODE === "0" ? [] : [python, "python3.11", "python3.12", "python3.13", "python3.14"];
for (const candidate of pythons) {
  const probe = spawnSync(
    candidate,
    ["-I", "-c", "import sys; print(sys.implementation.cache_tag if sys.version_info >= (3, 11) else '')"],
    { encoding: "utf-8" },
  );
  const tag = probe.status === 0 ? probe.stdout.trim() : "";
  if (!tag || compiled.has(tag)) {
    continue;
  }
  const got = spawnSync(
    candidate,
    ["-I", "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", libs],
    { stdio: "inherit" },
  );
  if (got.status !== 0) {
    console.error(`vendor: ${candidate} -m compileall failed`);
    process.exit(1);
  }
  // The attrs code of lsprotocol's classes (plan_lsp/lsp/bytecode.py), written by importing the
  // server's protocol modules once: a first start builds them without compiling (~100 ms).
  const warm = spawnSync(
    candidate,
    ["-I", "-c", "import sys; sys.path.insert(0, sys.argv[1]); import plan_lsp.lsp.main", libs],
    { stdio: "inherit" },
  );
  if (warm.status !== 0) {
    console.error(`vendor: ${candidate} could not import plan_lsp.lsp.main from the bundle`);
    process.exit(1);
  }
  compiled.add(tag);
}
console.log(`vendor: bytecode for ${[...compiled].join(", ") || "no Python"}`);
