"""A TCP proxy that injects network faults between HQ and a store: refused connections,
connections dropped mid-request, 503 answers and delays, at a chosen rate. Loopback only."""

from __future__ import annotations

import contextlib
import random
import socket
import threading
import time


class FaultyProxy:
    def __init__(self, target_port: int, *, fault_rate: float = 0.3, seed: int = 7) -> None:
        self.target_port = target_port
        self.fault_rate = fault_rate
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.faults = {"drop": 0, "reset_mid_request": 0, "http_503": 0, "slow": 0, "passed": 0}
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

    def stop(self) -> None:
        self.stopped.set()
        self.server.close()

    def _pick(self) -> str:
        with self.lock:
            if self.random.random() >= self.fault_rate:
                kind = "passed"
            else:  # every kind of fault in turn, so that each one is exercised
                kinds = ["drop", "reset_mid_request", "http_503", "slow"]
                kind = kinds[sum(self.faults[k] for k in kinds) % len(kinds)]
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
