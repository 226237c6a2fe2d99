"""WSGI middleware around the application."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class PlainWebSockets:
    """Decline per-message compression of WebSocket frames.

    Browsers offer ``permessage-deflate`` and the WebSocket server accepts it; then every
    event is compressed again for every connected screen and phone. The events are small
    JSON on a local network, so compression saves nothing worth having, while a call to 200
    clients spent about half its time compressing (docs/performance.md). Removing the offer
    from the handshake makes both sides send plain frames.
    """

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if environ.get("HTTP_UPGRADE", "").lower() == "websocket":
            environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return self.app(environ, start_response)
