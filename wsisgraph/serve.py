"""`wsisgraph serve`: the Oxigraph SPARQL server on a built store, following its rebuilds.

The public port is a small TCP proxy (asyncio). Behind it, each on a loopback port of its own, runs an Oxigraph
server (`oxigraph serve-read-only --union-default-graph`) on one generation of the store, which this process holds
locked for it (`store.hold_generation`), so no build removes a generation while it is served. When a build makes a
new generation current, a server is started on that one; as soon as it answers a query, new connections go to it.
The old server is stopped once its connections are done (one that has been idle for `drain_idle` seconds after a
complete answer, a client's kept-alive connection, is closed), and its generation is released for a later build
to remove. Some server answers throughout: the old graph until the new one is ready, then the new one.

With `writable`, the one server accepts updates and keeps serving the generation that was current at start (a
rebuilt store is served after a restart). Every server process ends with this one (`processes.with_parent`).
"""
from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Callable

from .errors import StoreError
from .processes import with_parent
from .remote import check_port, oxigraph_binary
from .store import Generation, _resolve, hold_generation

POLL = 0.5  # seconds between looks at the store's `current` link
DRAIN_IDLE = 5.0  # seconds an old server's connection may sit idle after an answer before it is closed
READY = 60.0  # seconds a new server has to answer its first query
_PROBE = (b"GET /query?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/sparql-results+json\r\n"
          b"Connection: close\r\n\r\n")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Connection:
    """One client connection and its connection to a server, with when and which way bytes last went."""

    def __init__(self, client: asyncio.StreamWriter):
        self.writers = [client]
        self.last = time.monotonic()
        self.answered = True  # the last bytes went to the client (or none went yet): between requests

    def close(self) -> None:
        for writer in self.writers:
            writer.close()


class _Server:
    """An Oxigraph server process on one generation, and the connections it has."""

    def __init__(self, generation: Generation, writable: bool):
        self.generation = generation
        self.writable = writable
        self.port = 0
        self.process: subprocess.Popen | None = None
        self.log = None
        self.connections: set[_Connection] = set()

    @property
    def name(self) -> str:
        return self.generation.location.name

    async def start(self) -> None:
        """Start the server and wait until it answers a query (three tries, in case its port was taken meanwhile)."""
        failure = ""
        for _ in range(3):
            self.port = _free_port()
            command = [oxigraph_binary(), "serve" if self.writable else "serve-read-only", "--location",
                       str(self.generation.location), "--bind", f"127.0.0.1:{self.port}", "--union-default-graph"]
            # its own session: Ctrl-C in the terminal reaches only this process, which then stops the server
            if self.log is not None:
                self.log.close()
            self.log = tempfile.TemporaryFile()  # what it says (its internal address, errors), for our messages
            self.process = subprocess.Popen(with_parent(command), stdin=subprocess.DEVNULL,
                                            stdout=subprocess.DEVNULL, stderr=self.log, start_new_session=True)
            deadline = time.monotonic() + READY
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    failure = self.ended()
                    break
                # only once it says it listens: another program that took the port meanwhile would answer too
                if self._listening() and await self._answers():
                    return
                await asyncio.sleep(0.05)
            else:
                failure = f"it did not answer within {READY:g} s"
                await self.stop()
                break
        raise StoreError(f"{self.generation.location}: the Oxigraph server could not serve it ({failure})")

    def ended(self) -> str:
        """How the server ended: its exit status and the last line it wrote."""
        said = ""
        if self.log is not None:
            self.log.seek(0)
            lines = self.log.read()[-4000:].decode("utf-8", "replace").strip().splitlines()
            said = f": {lines[-1].strip()}" if lines else ""
        return f"exit {self.process.returncode}{said}"

    def _listening(self) -> bool:
        self.log.seek(0)
        return b"Listening for requests" in self.log.read()

    async def _answers(self) -> bool:
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", self.port), 2)
        except (OSError, asyncio.TimeoutError):
            return False
        try:
            writer.write(_PROBE)
            await writer.drain()
            status = await asyncio.wait_for(reader.readline(), 10)
            return status.split(b" ")[1:2] == [b"200"]
        except (OSError, asyncio.TimeoutError):
            return False
        finally:
            writer.close()

    def close_idle(self, idle: float) -> None:
        now = time.monotonic()
        for connection in list(self.connections):
            if connection.answered and now - connection.last >= idle:
                connection.close()

    async def stop(self) -> None:
        """Stop the server, then release its generation."""
        for connection in list(self.connections):
            connection.close()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                await asyncio.to_thread(self.process.wait, 5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                await asyncio.to_thread(self.process.wait)
        if self.log is not None:
            self.log.close()
            self.log = None
        self.generation.release()


class _Supervisor:
    def __init__(self, store_path: Path, port: int, host: str, writable: bool, poll: float, drain_idle: float,
                 on_ready: Callable[[str], None] | None, on_switch: Callable[[str], None] | None):
        self.store_path = store_path
        self.port = port
        self.host = host
        self.writable = writable
        self.poll = poll
        self.drain_idle = drain_idle
        self.on_ready = on_ready
        self.on_switch = on_switch
        self.active: _Server | None = None
        self.draining: list[_Server] = []
        self.failed: Path | None = None  # a generation no server could be started on
        self.stopped = asyncio.Event()
        self.signal: int | None = None
        self.tasks: set[asyncio.Task] = set()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self._stop, signum)
        listener = None
        try:
            # the port first: a port in use fails before a server is started, and no server of ours can take it
            listener = await asyncio.start_server(self._handle, self.host, self.port, reuse_address=True,
                                                  start_serving=False)
            self.active = await self._start(hold_generation(self.store_path))
            await listener.start_serving()
            if self.on_ready:
                self.on_ready(self.active.name)
            while not self.stopped.is_set():
                try:
                    await asyncio.wait_for(self.stopped.wait(), self.poll)
                except asyncio.TimeoutError:
                    pass
                await self._tick()
        finally:
            if listener is not None:
                listener.close()
            for task in list(self.tasks):
                task.cancel()
            for server in [self.active, *self.draining]:
                if server is not None:
                    await server.stop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)

    def _stop(self, signum: int) -> None:
        self.signal = signum
        self.stopped.set()

    async def _start(self, generation: Generation) -> _Server:
        server = _Server(generation, self.writable)
        try:
            await server.start()
        except BaseException:
            await server.stop()
            raise
        return server

    async def _tick(self) -> None:
        """Follow a rebuild; stop old servers whose connections are done; notice a server that ended."""
        active = self.active
        if active.process.poll() is not None:
            raise StoreError(f"{active.generation.location}: the Oxigraph server ended unexpectedly "
                             f"({active.ended()})")
        for server in list(self.draining):
            server.close_idle(self.drain_idle)
            if not server.connections:
                self.draining.remove(server)
                await server.stop()
        if self.writable:
            return
        try:
            location = _resolve(self.store_path)
        except (StoreError, OSError):
            return  # the store folder is gone or being replaced: keep serving what we have
        if location in (active.generation.location, self.failed):
            return
        try:
            fresh = await self._start(hold_generation(self.store_path))
        except StoreError as err:
            self.failed = location  # not tried again: a later build makes another one
            if self.on_switch:
                self.on_switch(f"warning: still serving {active.name}: {err}")
            return
        self.active = fresh
        self.draining.append(active)
        if self.on_switch:
            self.on_switch(fresh.name)

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self.tasks.add(task)
        server = self.active
        connection = _Connection(client_writer)
        server.connections.add(connection)  # before connecting: the server is not stopped meanwhile
        try:
            try:
                server_reader, server_writer = await asyncio.open_connection("127.0.0.1", server.port)
            except OSError:
                return
            connection.writers.append(server_writer)
            await asyncio.gather(self._pipe(client_reader, server_writer, connection, False),
                                 self._pipe(server_reader, client_writer, connection, True))
        finally:
            server.connections.discard(connection)
            connection.close()
            self.tasks.discard(task)

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, connection: _Connection,
                    answering: bool) -> None:
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                connection.last = time.monotonic()
                connection.answered = answering
                writer.write(data)
                await writer.drain()
            if writer.can_write_eof() and not writer.is_closing():
                writer.write_eof()
        except OSError:
            connection.close()


def serve(store_path: str | Path, port: int = 7878, *, writable: bool = False, host: str = "127.0.0.1",
          poll: float = POLL, drain_idle: float = DRAIN_IDLE, on_ready: Callable[[str], None] | None = None,
          on_switch: Callable[[str], None] | None = None) -> None:
    """Serve the store at `host:port` until SIGTERM (returns) or SIGINT (raises KeyboardInterrupt).

    `on_ready(generation)` is called once the first server answers, `on_switch(generation)` each time a rebuilt
    store is served from then on (or with a line starting `warning:` when a new generation cannot be served and
    the old one still is). Checks the store and the port first, so a mistake is one StoreError before anything
    starts."""
    path = Path(store_path)
    if not path.exists():
        raise StoreError(f"{path}: no such store; build one with `wsisgraph build DOCS --store {path}`")
    _resolve(path)
    check_port(host, port)
    oxigraph_binary()
    supervisor = _Supervisor(path, port, host, writable, poll, drain_idle, on_ready, on_switch)
    asyncio.run(supervisor.run())
    if supervisor.signal == signal.SIGINT:
        raise KeyboardInterrupt
