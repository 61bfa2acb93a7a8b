"""The protocol layer, the only code importing pygls and lsprotocol: the server, its handlers
(translation only, one module per LSP area), conversions and the stdio transport."""
