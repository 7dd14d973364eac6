"""The audit trail is append-only: the model refuses updates and deletes, and
on PostgreSQL a trigger refuses raw SQL UPDATE and DELETE as well."""

import pytest
from django.db import DatabaseError, connection, transaction

from tests.factories import make_workshop, secretariat_user
from toa_portal.audit import audit_record
from toa_portal.models import AuditEntry


@pytest.fixture
def entry(db):
    actor = secretariat_user()
    workshop = make_workshop(actor=actor)
    return AuditEntry.objects.get(action="workshop.create", workshop_id=workshop.pk)


def test_audit_entry_records_who_what_before_after_and_why(entry):
    assert entry.actor is not None and entry.at is not None
    assert entry.object_type == "workshops.workshop"
    assert entry.after["capacity"] == 10
    other = audit_record(
        actor=entry.actor, action="test.note", obj=entry, before={"a": 1}, after={"a": 2}, reason="because"
    )
    assert (other.before, other.after, other.reason) == ({"a": 1}, {"a": 2}, "because")


def test_audit_entry_refuses_save_after_creation(entry):
    entry.reason = "rewritten"
    with pytest.raises(PermissionError):
        entry.save()
    entry.refresh_from_db()
    assert entry.reason == ""


def test_audit_entry_refuses_delete(entry):
    with pytest.raises(PermissionError):
        entry.delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_audit_queryset_refuses_bulk_update_and_delete(entry):
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="rewritten")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).reason == ""


@pytest.mark.postgres
def test_audit_trigger_refuses_raw_sql_update_and_delete():
    actor = secretariat_user()
    workshop = make_workshop(actor=actor)
    entry = AuditEntry.objects.get(action="workshop.create", workshop_id=workshop.pk)
    for sql in (
        "UPDATE toa_portal_auditentry SET reason = 'rewritten' WHERE id = %s",
        "DELETE FROM toa_portal_auditentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    entry.refresh_from_db()
    assert entry.reason == ""
