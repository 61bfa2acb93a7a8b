"""The pure core: text, Markdown outline, templates, schema, matching, checks, links, kinds.

It imports nothing above it (no features, workspace, lsp or cli; no pygls or lsprotocol)."""
