"""A TCP proxy on loopback that makes every byte cost what it costs on the internet: each chunk
read on one side is written to the other half a round trip later, in order. TLS passes through
untouched (the proxy never looks at the bytes), so a contender still verifies the emulator's
certificate for 127.0.0.1.

TCP's own handshake is charged too: a client's connection to the proxy completes at once on
loopback, so the client's first bytes are held until one round trip after the connection was
accepted, then take their half round trip like any others. A new HTTPS connection thus costs
what it costs over a real network: one round trip for TCP, one for TLS 1.3, one for the request.

It runs in a thread of the runner with its own asyncio loop. The loop uses select(2), not
epoll: epoll's timeout is in whole milliseconds (Python rounds it up), which would add up to a
millisecond to every hop; select's is in microseconds (a few hundred sockets at most here).
A wake-up still comes a little late (a fraction of a millisecond on a virtual machine), so
the proxy measures that lateness when it starts and aims each chunk that much earlier: the
delay it adds is the one asked for, on the median.
Network namespaces with `tc netem` would do this in the kernel, but need root and the netem
module, which neither CI nor every machine has.
"""

import asyncio
import selectors
import threading


class DelayProxy:
    def __init__(self, target, rtt_ms, name="proxy"):
        self.target = target  # (host, port)
        self.rtt = rtt_ms / 1000
        self.one_way = self.rtt / 2
        self.connections = 0  # accepted so far: new connections are what costs round trips
        self.lateness = 0.0  # seconds a wake-up comes late here, on the median
        self.port = None
        self._error = None
        self._writers = set()
        self._loop = asyncio.SelectorEventLoop(selectors.SelectSelector())
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"delay {name}", daemon=True)
        self._thread.start()
        if not self._ready.wait(10) or self._error is not None:
            raise RuntimeError(f"the delaying proxy did not start: {self._error}")

    def url(self, scheme):
        return f"{scheme}://127.0.0.1:{self.port}"

    def stop(self):
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def _run(self):
        asyncio.set_event_loop(self._loop)
        try:
            server = self._loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=1024))
            self.port = server.sockets[0].getsockname()[1]
        except OSError as e:
            self._error = e
            self._ready.set()
            return
        self.lateness = self._loop.run_until_complete(self._wake_up_lateness(self.one_way)) if self.one_way else 0.0
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            server.close()
            for writer in list(self._writers):
                writer.transport.abort()
            tasks = asyncio.all_tasks(self._loop)
            for task in tasks:
                task.cancel()
            self._loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            self._loop.close()

    async def _wake_up_lateness(self, sleep, samples=21):
        late = []
        for _ in range(samples):
            start = self._loop.time()
            await asyncio.sleep(sleep)
            late.append(self._loop.time() - start - sleep)
        late.sort()
        return max(0.0, late[len(late) // 2])

    async def _serve(self, client_reader, client_writer):
        # The client may send once TCP's handshake would have completed: one round trip from now.
        handshake_done = self._loop.time() + self.rtt
        self.connections += 1
        self._writers.add(client_writer)
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.transport.abort()
            self._writers.discard(client_writer)
            return
        self._writers.add(upstream_writer)
        try:
            await asyncio.gather(self._pump(client_reader, upstream_writer, handshake_done),
                                 self._pump(upstream_reader, client_writer, 0.0))
        except asyncio.CancelledError:
            pass  # the proxy is stopping
        finally:
            for writer in (client_writer, upstream_writer):
                writer.close()
                self._writers.discard(writer)

    async def _pump(self, reader, writer, not_before):
        """Copies one direction, each chunk half a round trip after it arrived (not before
        `not_before`); the delay is the same for every chunk, so the order is kept."""
        queue = asyncio.Queue()

        async def read():
            while True:
                try:
                    data = await reader.read(65536)
                except (ConnectionError, OSError):
                    data = None  # reset: passed on as a reset, after the same delay
                queue.put_nowait((max(self._loop.time(), not_before) + self.one_way, data))
                if not data:
                    return

        reading = asyncio.ensure_future(read())
        try:
            while True:
                due, data = await queue.get()
                wait = due - self.lateness - self._loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                if data is None:
                    writer.transport.abort()
                    return
                if not data:
                    if writer.can_write_eof() and not writer.is_closing():
                        writer.write_eof()
                    return
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            writer.transport.abort()
        finally:
            reading.cancel()
