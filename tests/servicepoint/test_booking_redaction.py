"""The access log never shows what gives access to an online booking: the appointment's
token (its page, QR code, .ics and API), a hold's token, the mailed confirmation secret."""

from __future__ import annotations

from servicepoint.server import redact

TOKEN = "Xy0_-abcdefghijklmnop"


def test_online_booking_tokens_are_redacted():
    lines = {
        f'"GET /t/a/{TOKEN}?lang=ar HTTP/1.1"': '"GET /t/a/[redacted]?lang=ar HTTP/1.1"',
        f'"GET /t/a/{TOKEN}?confirm=s3cr3t-Secret_x HTTP/1.1"': (
            '"GET /t/a/[redacted]?confirm=[redacted] HTTP/1.1"'
        ),
        f'"GET /t/a/{TOKEN}/qr.svg HTTP/1.1"': '"GET /t/a/[redacted]/qr.svg HTTP/1.1"',
        f'"GET /t/a/{TOKEN}/appointment.ics HTTP/1.1"': (
            '"GET /t/a/[redacted]/appointment.ics HTTP/1.1"'
        ),
        f'"GET /t/api/v1/appointments/{TOKEN} HTTP/1.1"': (
            '"GET /t/api/v1/appointments/[redacted] HTTP/1.1"'
        ),
        f'"POST /t/api/v1/appointments/{TOKEN}/confirm HTTP/1.1"': (
            '"POST /t/api/v1/appointments/[redacted]/confirm HTTP/1.1"'
        ),
        f'"POST /t/api/v1/booking/holds/{TOKEN}/book HTTP/1.1"': (
            '"POST /t/api/v1/booking/holds/[redacted]/book HTTP/1.1"'
        ),
        # A location's booking page and its API name no secret.
        '"GET /t/book/leverkusen?lang=de HTTP/1.1"': '"GET /t/book/leverkusen?lang=de HTTP/1.1"',
        '"GET /t/api/v1/booking/leverkusen/topics/3/slots?date=2026-12-07 HTTP/1.1"': (
            '"GET /t/api/v1/booking/leverkusen/topics/3/slots?date=2026-12-07 HTTP/1.1"'
        ),
    }
    for line, expected in lines.items():
        assert redact(line) == expected
