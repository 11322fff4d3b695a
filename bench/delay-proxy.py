#!/usr/bin/env python3
"""A TCP proxy that delays every byte by a fixed time in each direction: a remote server.

    bench/delay-proxy.py TARGET_HOST TARGET_PORT ONE_WAY_MS

Listens on 127.0.0.1 on a free port, prints that port on its first line of output, and
forwards each connection to TARGET_HOST:TARGET_PORT. What one side sends reaches the other
ONE_WAY_MS milliseconds later, in order, in both directions; a request and its answer so
take 2 x ONE_WAY_MS more (the round-trip time of a warehouse in another zone). Only
latency is added: data already in flight does not wait for earlier data's delay to pass
(no bandwidth limit, as on a real link), and the proxy neither reads nor changes the bytes
(TLS passes through). bench/apply --warehouse-rtt-ms puts it in front of the warehouse.
Stops on SIGTERM/SIGINT.
"""
import asyncio
import signal
import sys

CHUNK = 256 * 1024


async def pump(reader, writer, delay):
    """Copies reader to writer, each chunk delivered `delay` seconds after it was read."""
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def read():
        try:
            while True:
                data = await reader.read(CHUNK)
                queue.put_nowait((loop.time() + delay, data))
                if not data:
                    return
        except (ConnectionError, OSError):
            queue.put_nowait((loop.time() + delay, b""))

    async def write():
        try:
            while True:
                due, data = await queue.get()
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                if not data:
                    if writer.can_write_eof():
                        writer.write_eof()
                    return
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            return

    reading = asyncio.ensure_future(read())
    await write()
    reading.cancel()


async def handle(client_reader, client_writer, host, port, delay):
    try:
        server_reader, server_writer = await asyncio.open_connection(host, port)
    except OSError:
        client_writer.close()
        return
    try:
        await asyncio.gather(pump(client_reader, server_writer, delay), pump(server_reader, client_writer, delay))
    finally:
        for w in (client_writer, server_writer):
            w.close()


async def main():
    if len(sys.argv) != 4:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        sys.exit(2)
    host, port, delay = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]) / 1000
    server = await asyncio.start_server(lambda r, w: handle(r, w, host, port, delay), "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    async with server:
        await stop


if __name__ == "__main__":
    asyncio.run(main())
