"""Every date and time the portal shows goes through these helpers.

They format in the active language (the formats in toa_portal/formats/) and
convert a moment to the time zone it is shown in *before* formatting, so a
time labelled with a zone is always the time in that zone. Templates use them
through the `when` template tags (`|day`, `|long_day`, `|moment`, `|deadline`).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

LONG_DATE_FORMAT = "j F Y"


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def format_date(value, *, long: bool = False) -> str:
    """A day: "2 Dec 2026" / "2 déc. 2026" (long: "2 December 2026" / "2 décembre 2026")."""
    if value in (None, ""):
        return ""
    return formats.date_format(_as_date(value), LONG_DATE_FORMAT if long else "DATE_FORMAT")


def format_datetime(value, zone: str | dt.tzinfo | None = None) -> str:
    """A moment in the given time zone (the current one by default): "2 Dec 2026, 14:17"."""
    if value in (None, ""):
        return ""
    if timezone.is_aware(value):
        tz = ZoneInfo(zone) if isinstance(zone, str) else zone
        value = timezone.localtime(value, tz)
    return formats.date_format(value, "DATETIME_FORMAT")


def format_deadline(value, zone: str) -> str:
    """A deadline in its own zone, labelled: "3 Dec 2026, 17:00 (Asia/Tokyo)"."""
    if value in (None, ""):
        return ""
    return _("%(when)s (%(zone)s)") % {"when": format_datetime(value, zone), "zone": zone}


def deadline_html(value, zone: str) -> str:
    """The labelled deadline as a <time> element; portal.js adds the viewer's own
    local time beside it when their browser's zone differs."""
    if value in (None, ""):
        return ""
    return format_html(
        '<time datetime="{}" data-zone="{}" data-viewer-time="{}">{}</time>',
        value.astimezone(dt.UTC).isoformat(),
        zone,
        _("your time: %(when)s"),
        format_deadline(value, zone),
    )
