"""Placeholder until the language server lands."""


def serve(*, tcp: bool = False, host: str = "127.0.0.1", port: int = 2087) -> None:
    raise SystemExit("plan-lsp: the language server is not built yet")
