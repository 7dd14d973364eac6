"""Dates, times and page titles in templates: `{% load when %}`.

`{{ workshop.start_date|day }}`, `{{ certificate.valid_until|long_day }}`,
`{{ sheet.submitted_at|moment }}` (in the current time zone),
`{{ workshop|deadline }}` (in the workshop's zone, labelled, with the viewer's
own time added in the browser). The filters take the stored value, never one
the template engine already converted (they do their own conversion).
"""

from django import template

from .. import dates

register = template.Library()


@register.filter
def day(value):
    return dates.format_date(value)


@register.filter
def long_day(value):
    return dates.format_date(value, long=True)


@register.filter
def moment(value):
    return dates.format_datetime(value)


@register.filter
def iso(value):
    """Machine-readable moment for <time datetime="…">."""
    return value.isoformat() if value not in (None, "") else ""


@register.filter
def deadline(workshop):
    """A workshop's nomination deadline in its zone, as a <time> element."""
    return dates.deadline_html(workshop.nomination_deadline, workshop.timezone)


@register.filter
def deadline_text(workshop):
    """The same as plain text (e-mails)."""
    return dates.format_deadline(workshop.nomination_deadline, workshop.timezone)


@register.filter(is_safe=True)
def page_title(value):
    """The browser tab title: "Home · TOA Portal", or "TOA Portal" alone."""
    value = " ".join(str(value).split())
    return f"{value} · TOA Portal" if value else "TOA Portal"
