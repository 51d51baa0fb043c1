"""A local HTTP server (127.0.0.1, port 0) for the download tests: nothing touches the internet."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class LoggedHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder quietly, logging each path asked for; ``/short/...`` promises 100
    bytes, sends 5 and hangs up (a transfer cut short)."""

    requests: list[str] = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        type(self).requests.append(self.path)
        if self.path.startswith("/short/"):
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"hello")
            self.close_connection = True
            return
        super().do_GET()


@contextmanager
def serve(root: Path) -> Iterator[tuple[str, list[str]]]:
    """Serve ``root`` from a thread; yields (base URL ending in '/', the request log)."""
    handler = type("H", (LoggedHandler,), {"requests": []})
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(root))
    )
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/", handler.requests
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
