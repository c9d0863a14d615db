"""A small tornado HTTP server on an address and port (port 0 picks a free one).

Shared by the webhook receiver and the Bot API emulator; tornado comes with PTB's webhooks extra.
"""

from __future__ import annotations

from typing import Any

from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application


class TornadoServer:
    """Serve `routes`; `port` holds the real port once started."""

    def __init__(self, routes: list[Any], *, host: str, port: int, xheaders: bool = False) -> None:
        self.routes = routes
        self.host = host
        self.port = port
        self.xheaders = xheaders
        self._server: HTTPServer | None = None

    def start(self) -> int:
        sockets = bind_sockets(self.port, address=self.host)
        self.port = sockets[0].getsockname()[1]
        self._server = HTTPServer(Application(self.routes), xheaders=self.xheaders)
        self._server.add_sockets(sockets)
        return self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None
