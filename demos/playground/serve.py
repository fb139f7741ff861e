"""Serve the built playground on 127.0.0.1: ``python -m demos.playground.serve [--port 8000]``.

It serves ``out/playground/`` (build it first: ``python -m demos.playground.build``) and
prints the address to open. Any static web server does the same, given these types:
WebAssembly as ``application/wasm`` and ``.mjs`` as JavaScript (browsers load modules
only with a JavaScript type).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
from pathlib import Path
from typing import ClassVar

from demos.playground.build import OUT

TYPES = {".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript",
         ".json": "application/json", ".whl": "application/zip", ".zip": "application/zip",
         ".py": "text/plain; charset=utf-8", ".html": "text/html; charset=utf-8"}


class Handler(http.server.SimpleHTTPRequestHandler):
    """Static files with the types above, and one line per request that failed."""

    extensions_map: ClassVar[dict[str, str]] = {
        **http.server.SimpleHTTPRequestHandler.extensions_map, **TYPES}

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if not str(code).startswith(("2", "3")):
            super().log_request(code, size)


def server(folder: Path = OUT, port: int = 8000) -> http.server.ThreadingHTTPServer:
    """A server of ``folder`` on 127.0.0.1 (``port`` 0: any free port); call ``serve_forever()``."""
    handler = functools.partial(Handler, directory=str(folder))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.playground.serve",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000, help="the port (default 8000; 0 for any free one)")
    parser.add_argument("--dir", type=Path, default=OUT, help=f"the built site (default: {OUT})")
    args = parser.parse_args(argv)
    if not (args.dir / "index.html").exists():
        print(f"serve: no site in {args.dir}: build it with python -m demos.playground.build",
              file=sys.stderr)
        return 2
    try:
        httpd = server(args.dir, args.port)
    except OSError as error:
        print(f"serve: cannot listen on 127.0.0.1:{args.port}: {error.strerror or error}", file=sys.stderr)
        return 2
    host, port = httpd.server_address[:2]
    print(f"glassgrad's playground: http://{host}:{port}/  (Ctrl+C stops it)", flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
