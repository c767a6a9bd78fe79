"""A round-robin TCP balancer on loopback, for benchmarks: `python -m benchmarks.balancer PORT BACKEND...`.

Each new connection goes to the next backend port, as a basic layer-4 load balancer does.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import sys


async def serve(port: int, backends: list[int]) -> None:
    ring = itertools.cycle(backends)

    async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await src.read(65536):
                dst.write(data)
                await dst.drain()
        with contextlib.suppress(ConnectionError, OSError):
            dst.close()

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", next(ring))
        except OSError:
            writer.close()
            return
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    server = await asyncio.start_server(accept, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


def main() -> None:
    port, *backends = (int(a) for a in sys.argv[1:])
    asyncio.run(serve(port, backends))


if __name__ == "__main__":
    main()
