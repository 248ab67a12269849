#!/usr/bin/env python3
"""A TCP relay that emulates wide-area links for tests, where the kernel
has no netem: each byte stream is delayed by the link's one-way delay in
each direction, and a segment is "lost" with the given probability, which
over TCP means it (and everything behind it) arrives one retransmission
timeout later (200 ms plus three one-way delays).  Order is kept.

  wanrelay.py ROUTES STATS   (examples/three-sites.sh runs it)
ROUTES: lines "listen_addr listen_port target_addr target_port delay_ms loss"
(loss a fraction, e.g. 0.01; listen port 0 picks a free one).  STATS.ready
gets the ports listened on, one per route, once every route listens.  STATS: written on SIGTERM and every second:
bytes relayed.  Runs until SIGTERM.  The random generator is seeded per
route, so a run is reproducible.
"""
import asyncio
import os
import random
import signal
import sys
import time

total = 0


async def pump(reader, writer, delay, loss, rng):
    """Copy reader to writer, each chunk delivered delay seconds later."""
    global total
    queue = asyncio.Queue()
    last_due = 0.0

    async def deliver():
        while True:
            due, data = await queue.get()
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if data is None:
                break
            writer.write(data)
            await writer.drain()
        writer.close()

    task = asyncio.ensure_future(deliver())
    try:
        while True:
            data = await reader.read(65536)
            due = time.monotonic() + delay
            if data and rng.random() < loss:
                due += 0.2 + 3 * delay
            due = max(due, last_due)
            last_due = due
            if not data:
                await queue.put((due, None))
                break
            total += len(data)
            await queue.put((due, data))
    except (ConnectionError, OSError):
        await queue.put((time.monotonic(), None))
    try:
        await task
    except (ConnectionError, OSError):
        pass


def serve(target, port, delay, loss, seed):
    rng = random.Random(seed)

    async def handle(cr, cw):
        await asyncio.sleep(delay)  # the handshake crosses the link
        try:
            ur, uw = await asyncio.wait_for(asyncio.open_connection(target, port), 10)
        except (OSError, asyncio.TimeoutError):
            cw.close()
            return
        await asyncio.gather(pump(cr, uw, delay, loss, rng), pump(ur, cw, delay, loss, rng),
                             return_exceptions=True)
    return handle


async def main(routes, stats):
    servers, ports = [], []
    for n, line in enumerate(open(routes)):
        if not line.strip() or line.startswith("#"):
            continue
        la, lp, ta, tp, d, loss = line.split()
        srv = await asyncio.start_server(serve(ta, int(tp), int(d) / 1000.0, float(loss), n),
                                         la, int(lp), reuse_address=True)
        servers.append(srv)
        ports.append(srv.sockets[0].getsockname()[1])
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    with open(stats + ".ready.tmp", "w") as f:
        f.write("".join("%d\n" % p for p in ports))
    os.rename(stats + ".ready.tmp", stats + ".ready")
    while not stop.is_set():
        with open(stats, "w") as f:
            f.write("%d\n" % total)
        try:
            await asyncio.wait_for(stop.wait(), 1)
        except asyncio.TimeoutError:
            pass
    with open(stats, "w") as f:
        f.write("%d\n" % total)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
