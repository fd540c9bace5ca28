"""Outgoing mail (Flask-Mailman): one-time password links go to the member's own inbox.

"Mail is configured" means ``MAIL_BACKEND`` is set: ``smtp`` in production (the only
backend it accepts), ``file`` by default in development (messages land under
``instance/mail/``), ``locmem`` in the tests (``app.extensions["mailman"].outbox``),
``console`` to print them. The backend is read at send time, so a test can switch it.
Nothing here logs a message: its body holds a link that is as good as a password.
"""

from flask import current_app
from flask_mailman import EmailMessage

from .extensions import mail

BACKENDS = ("smtp", "console", "file", "locmem")


def configured() -> bool:
    return current_app.config.get("MAIL_BACKEND") in BACKENDS


def send(to: str, subject: str, body: str) -> None:
    """Send one plain-text message; raises what the backend raises (OSError, SMTP
    errors) so the caller can say the mail did not go out."""
    backend = current_app.config["MAIL_BACKEND"]
    options = {"file_path": current_app.config["MAIL_FILE_PATH"]} if backend == "file" else {}
    connection = mail.get_connection(backend=backend, **options)
    message = EmailMessage(
        one_line(subject),
        body,
        current_app.config["MAIL_DEFAULT_SENDER"],
        [to],
        connection=connection,
    )
    message.send()


def one_line(text: str) -> str:
    """A header value on one line: a subject carries names admins type (the
    organization's), and a line break in a header would start a header of its own
    (Flask-Mailman refuses it, failing the send)."""
    return " ".join(text.split())
