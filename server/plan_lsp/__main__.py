"""``python -m plan_lsp``: same as the ``plan-lsp`` console script."""

from plan_lsp.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
