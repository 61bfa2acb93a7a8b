"""Diagnostic codes and severities: the stable contract, with no heavy imports."""

from __future__ import annotations

CODES = (
    "missing-section",
    "section-order",
    "heading-level",
    "duplicate-section",
    "unresolved-field",
    "template-token",
    "invalid-value",
    "empty-section",
    "numbering",
    "broken-link",
    "status-mismatch",
)
SEVERITIES = ("error", "warning", "information", "hint")
DEFAULT_SEVERITY: dict[str, str] = {
    "missing-section": "error",
    "section-order": "warning",
    "heading-level": "warning",
    "duplicate-section": "warning",
    "unresolved-field": "warning",
    "template-token": "error",
    "invalid-value": "error",
    "empty-section": "warning",
    "numbering": "warning",
    "broken-link": "warning",
    "status-mismatch": "error",
}
