"""Hand an e-mail to the background worker."""

import logging

from kombu.exceptions import OperationalError as BrokerError

logger = logging.getLogger(__name__)


def mail_queue(*, subject: str, body: str, to: str) -> None:
    """Send `body` to `to` through the `toa_portal.send_email` task (retried
    with back-off while the mail server is unreachable). Callers inside a
    transaction call this on commit. A broker that is down loses the e-mail
    (logged), never the request that sent it."""
    if not to:
        return
    from .tasks import send_email

    try:
        send_email.delay(subject, body, to)
    except BrokerError:
        logger.exception("The e-mail %r to %s could not be queued.", subject, to)
