"""The command line: ``plan-lsp`` serves LSP, ``check`` lints documents, ``new`` writes one."""

from plan_lsp.cli.main import main as main
