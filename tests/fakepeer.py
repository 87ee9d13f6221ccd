"""A scripted TCP peer on 127.0.0.1 for misbehaviour no real server produces (`serve`).

Each accepted connection runs `handler(conn)` in its own thread; socket errors end only that
connection. `serve` returns the port and a function that stops listening.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

Handler = Callable[[socket.socket], None]


def _guard(handler: Handler, conn: socket.socket) -> None:
    try:
        handler(conn)
    except OSError:
        pass
    finally:
        conn.close()


def serve(handler: Handler) -> tuple[int, Callable[[], None]]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.2)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=_guard, args=(handler, conn), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()

    def close() -> None:
        stop.set()
        listener.close()

    return listener.getsockname()[1], close
