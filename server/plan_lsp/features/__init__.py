"""Editor features over the core: completion, quick fixes, navigation, scaffolding.

They return plain data in code-point positions; only ``plan_lsp.lsp`` converts to LSP types."""
