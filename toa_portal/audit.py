"""Writing to the audit trail. Every service that changes state calls this."""

from __future__ import annotations

from typing import Any

from .models import AuditEntry


def audit_record(
    *,
    actor,
    action: str,
    obj,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    workshop_id: int | None = None,
    official_id: int | None = None,
) -> AuditEntry:
    """Append one entry to the audit trail (an insert, never an update)."""
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        before=_plain(before or {}),
        after=_plain(after or {}),
        reason=reason or "",
        workshop_id=workshop_id,
        official_id=official_id,
    )


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """JSON-safe copy: dates, decimals and model instances become strings."""
    out = {}
    for key, value in values.items():
        if value is None or isinstance(value, (bool, int, float, str)):
            out[key] = value
        elif isinstance(value, (list, tuple)):
            out[key] = [v if isinstance(v, (bool, int, float, str)) else str(v) for v in value]
        else:
            out[key] = str(value)
    return out
