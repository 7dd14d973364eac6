"""The audit trail in words: `{% load audit_tags %}` then `{{ entry|audit_who }}`,
`{{ entry|audit_what }}` and `{% for change in entry|audit_changes %}`. The
queryset should prefetch "actor__groups" (one query for every entry)."""

from django import template

from .. import audit_display

register = template.Library()


@register.filter
def audit_who(entry):
    return audit_display.actor_text(entry)


@register.filter
def audit_what(entry):
    return audit_display.action_text(entry.action)


@register.filter
def audit_changes(entry):
    return audit_display.changes(entry)
