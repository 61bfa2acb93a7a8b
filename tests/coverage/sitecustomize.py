"""Coverage runs only (``PYTHONPATH=tests/coverage``, see the README): the server ends with
``os._exit``, which skips coverage's exit hook, so its data is saved first. Not part of plan-lsp."""

import os

_exit = os._exit


def _save_then_exit(code: int) -> None:
    try:
        import coverage

        cov = coverage.Coverage.current()
        if cov is not None:
            cov.stop()
            cov.save()
    except Exception:
        pass
    _exit(code)


os._exit = _save_then_exit  # type: ignore[assignment]
