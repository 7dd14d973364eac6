"""Keeping a checked upload while its form is shown again.

A browser never refills a file input, so a form sent back with a question
(a possible duplicate person, a missing field) would make the user choose the
file again. The file is kept in private storage under a generated name, and
the page carries a signed token naming it, valid for its uploader for a day.
A form abandoned after its question leaves its copy behind: `sweep` (run by
beat every hour) deletes the copies older than their token's validity.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

logger = logging.getLogger(__name__)

SALT = "toa_portal.pending_upload"
MAX_AGE = 24 * 3600
FOLDER = "pending"


def keep(upload, *, user_id: int) -> str:
    """Store the upload; return the token the form sends back to find it."""
    upload.seek(0)
    path = default_storage.save(f"{FOLDER}/{uuid.uuid4().hex}", upload)
    return signing.dumps({"path": path, "name": upload.name, "user": user_id}, salt=SALT)


def _read(token: str, user_id: int) -> dict | None:
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("user") != user_id or not default_storage.exists(data.get("path", "")):
        return None
    return data


def name_of(token: str, *, user_id: int) -> str | None:
    """The original file name of a kept upload, or None when the token is not valid for this user."""
    data = _read(token, user_id)
    return data["name"] if data else None


def load(token: str, *, user_id: int) -> ContentFile | None:
    """The kept file as an upload, or None when the token is not valid for this user."""
    data = _read(token, user_id)
    if data is None:
        return None
    with default_storage.open(data["path"], "rb") as handle:
        return ContentFile(handle.read(), name=data["name"])


def discard(token: str, *, user_id: int) -> None:
    """Remove the kept copy once the file has been saved where it belongs."""
    data = _read(token, user_id)
    if data is not None:
        default_storage.delete(data["path"])


def sweep(*, now: dt.datetime | None = None) -> int:
    """Delete the kept copies whose token can no longer be valid (older than
    MAX_AGE); return how many were deleted."""
    cutoff = (now or timezone.now()) - dt.timedelta(seconds=MAX_AGE)
    try:
        _folders, files = default_storage.listdir(FOLDER)
    except FileNotFoundError:
        return 0
    deleted = 0
    for name in files:
        path = f"{FOLDER}/{name}"
        try:
            modified = default_storage.get_modified_time(path)
        except FileNotFoundError:
            continue  # already discarded by its form
        except NotImplementedError:
            logger.warning("Storage cannot date %s: pending uploads are not swept", path)
            return deleted
        if timezone.is_naive(modified):
            modified = timezone.make_aware(modified, dt.UTC)
        if modified < cutoff:
            default_storage.delete(path)
            deleted += 1
    return deleted
