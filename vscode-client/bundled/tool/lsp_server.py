"""Launcher of the plan-lsp server bundled in the VS Code extension.

Puts ``bundled/libs`` (plan_lsp and its pure-Python dependencies, vendored at build time) first
on ``sys.path`` and serves LSP over stdio. The extension runs it as ``python -I lsp_server.py``:
isolated mode, so neither PYTHONPATH nor the user's site-packages can shadow the bundled libraries.
"""

import os
import sys

MINIMUM = (3, 11)

if sys.version_info < MINIMUM:
    sys.stderr.write(
        "plan-lsp needs Python %d.%d or newer; this is %s (%s)\n"
        % (MINIMUM + (sys.version.split()[0], sys.executable))
    )
    sys.exit(3)

LIBS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "libs")
sys.path.insert(0, LIBS)

from plan_lsp.cli.main import main  # noqa: E402  (after the path is set)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
