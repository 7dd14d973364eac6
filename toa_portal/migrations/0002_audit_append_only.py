from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION toa_portal_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The audit trail is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER toa_portal_audit_append_only
    BEFORE UPDATE OR DELETE ON toa_portal_auditentry
    FOR EACH ROW EXECUTE FUNCTION toa_portal_audit_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS toa_portal_audit_append_only ON toa_portal_auditentry;
DROP FUNCTION IF EXISTS toa_portal_audit_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("toa_portal", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
