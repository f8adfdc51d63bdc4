"""A TCP proxy that injects network faults between HQ and a store: connections dropped at
once, requests cut before any answer, 503 answers and delays. Loopback only.

The faults follow a fixed schedule, one step per connection, so that a run does not depend
on chance: every kind of fault has fired once the first `len(SCHEDULE)` connections have gone
through, whatever the timing. The schedule has an odd length, so that a client that opens
connections in pairs (a journal read, then an acknowledgement) does not meet the same step
with the same request every time.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time

FAULTS = ("drop", "reset_mid_request", "http_503", "slow")
SCHEDULE = ("drop", "passed", "reset_mid_request", "passed", "http_503", "slow", "passed")
assert set(SCHEDULE) == {*FAULTS, "passed"}


class FaultyProxy:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.lock = threading.Lock()
        self.faulty = True
        self.scheduled = 0  # connections that took a step of the schedule
        self.faults = dict.fromkeys((*FAULTS, "passed"), 0)
        self.held = 0  # connections that arrived while the proxy was holding
        self.open = threading.Event()
        self.open.set()
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(64)
        self.port = int(self.server.getsockname()[1])
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def cycles_completed(self) -> int:
        """Whole turns of the schedule: from 1 on, every kind of fault has fired."""
        with self.lock:
            return self.scheduled // len(SCHEDULE)

    def heal(self) -> None:
        """From now on, every connection passes."""
        with self.lock:
            self.faulty = False

    def hold(self) -> None:
        """Connections that arrive from now on hang, unanswered, until `release()`; then they
        are closed. They take no step of the schedule."""
        self.open.clear()

    def release(self) -> None:
        self.open.set()

    def stop(self) -> None:
        self.stopped.set()
        self.open.set()
        self.server.close()

    def _pick(self) -> str:
        with self.lock:
            if self.faulty:
                kind = SCHEDULE[self.scheduled % len(SCHEDULE)]
                self.scheduled += 1
            else:
                kind = "passed"
            self.faults[kind] += 1
            return kind

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, client: socket.socket) -> None:
        if not self.open.is_set():
            with self.lock:
                self.held += 1
            self.open.wait()
            client.close()
            return
        kind = self._pick()
        try:
            if kind == "drop":
                client.close()
                return
            if kind == "http_503":
                client.recv(65536)
                client.sendall(
                    b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n"
                    b"connection: close\r\n\r\n"
                )
                client.close()
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=30)
            if kind == "slow":
                time.sleep(0.3)
            if kind == "reset_mid_request":
                # Forward the request, then cut the line before any answer comes back.
                upstream.sendall(client.recv(65536))
                time.sleep(0.05)
                upstream.close()
                client.close()
                return
            self._pipe(client, upstream)
        except OSError:
            client.close()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        def forward(src: socket.socket, dst: socket.socket) -> None:
            try:
                while data := src.recv(65536):
                    dst.sendall(data)
            except OSError:
                pass
            finally:
                for s in (src, dst):
                    with contextlib.suppress(OSError):
                        s.shutdown(socket.SHUT_RDWR)

        t = threading.Thread(target=forward, args=(b, a), daemon=True)
        t.start()
        forward(a, b)
        t.join(timeout=30)
        a.close()
        b.close()
