"""A TCP relay that can be cut and restored, to take a server away from the app under load.

Cutting resets every open connection and refuses new ones (they are accepted and closed at
once), which is what an application sees when its database server stops; restoring lets
connections through again, as when the server is back.
"""

from __future__ import annotations

import contextlib
import socket
import threading

from bench.common import free_port


class FaultProxy:
    """Relay 127.0.0.1:<port> to ``upstream``; ``cut()`` and ``restore()`` from any thread."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = free_port()
        self._open = threading.Event()
        self._open.set()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def start(self) -> None:
        """Begin relaying."""
        self._thread.start()

    def stop(self) -> None:
        """Close everything."""
        self.cut()
        self._listener.close()

    def cut(self) -> None:
        """Reset every open connection and refuse new ones until ``restore()``."""
        self._open.clear()
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def restore(self) -> None:
        """Let connections through again."""
        self._open.set()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # the listener was closed
            if not self._open.is_set():
                client.close()
                continue
            try:
                server = socket.create_connection(self.upstream)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets |= {client, server}
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.close()
            with self._lock:
                self._sockets -= {source, target}
