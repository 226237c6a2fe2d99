"""Security headers on every response: what a browser may load, run, frame and tell others.

Every page, stylesheet, script, image, sound and font comes from this server (the LAN is
closed), so the policy allows this origin only: no inline scripts or styles, no plugins, no
framing by any page (the desk view must not be clickjacked by a same-site page), no
``<base>`` rewriting, forms posting only here. ``connect-src`` names the same host's
``ws:``/``wss:`` besides ``'self'``: current browsers let ``'self'`` match same-origin
WebSockets (CSP Level 3), older Safari versions on visitors' phones need them spelled out.
Status links carry a ticket's token, so no referrer leaves a page.
"""

from __future__ import annotations

import re

from flask import Flask, Response, request

# A Host header of a name or address and an optional port, nothing that could end a directive.
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")

POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    "media-src 'self'",
    "connect-src 'self'{websockets}",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def content_security_policy(host: str) -> str:
    """The ``Content-Security-Policy`` for a request to ``host`` (its Host header)."""
    websockets = f" ws://{host} wss://{host}" if _HOST.match(host) else ""
    return "; ".join(POLICY).format(websockets=websockets)


def secure(response: Response, host: str) -> Response:
    """``response`` with the headers, its policy for a request to ``host``."""
    response.headers["Content-Security-Policy"] = content_security_policy(host)
    response.headers.update(HEADERS)
    return response


def init_app(app: Flask) -> None:
    """Add the headers to every response of ``app`` (pages, JSON, static files, errors; the
    public host's refusals, answered before the app, add them with :func:`secure`).

    Registered before the request's unit of work (``web.init_app``), so it runs after it and
    also covers the refusal that replaces a response whose commit failed."""

    @app.after_request
    def _security_headers(response: Response) -> Response:
        return secure(response, request.host)
