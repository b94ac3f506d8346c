"""A tiny local HTTP server whose every answer is scripted by the test (synthetic, for hostile cases).

``ScriptedServer(answer)`` calls ``answer(path_and_query, headers) -> (status, headers, body)``
for each GET and records every request (path with query, headers) in ``requests``. Used where
:mod:`fake_openalex` has no scenario: cross-host redirects, captive portals, odd ``group_by``
counts, long ``Retry-After`` values.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = Callable[[str, dict[str, str]], tuple[int, dict[str, str], bytes]]


class ScriptedServer:
    def __init__(self, answer: Answer, host: str = "127.0.0.1") -> None:
        self.answer = answer
        self.host = host
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def handle(self) -> None:
                with contextlib.suppress(ConnectionResetError, BrokenPipeError):
                    super().handle()

            def do_GET(self) -> None:  # noqa: N802 - http.server API
                headers = dict(self.headers)
                server.requests.append((self.path, headers))
                status, extra, body = server.answer(self.path, headers)
                self.send_response(status)
                extra = {"Content-Type": "application/json", **extra}
                for k, v in extra.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._httpd = ThreadingHTTPServer((host, 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    def url(self, host: str | None = None) -> str:
        return f"http://{host or self.host}:{self.port}"

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
