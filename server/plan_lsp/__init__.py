"""plan-lsp: a language server that helps people write implementation plans in Markdown.

The package keeps a pure core (template -> schema, Markdown -> outline, checks, completion,
scaffolding; no pygls import) and a thin protocol layer in :mod:`plan_lsp.lsp`.
"""

__version__ = "0.1.0"
