#!/usr/bin/env python3
"""Loopback helpers for the forward tests: an echo server and clients.

  fwdtool.py echo HOST PORT [--events FILE]   echo server (ready line on stdout)
  fwdtool.py bulk HOST PORT MB                send MB each way, compare sha256
  fwdtool.py halfclose HOST PORT              send, shut down writes, read all back
  fwdtool.py many HOST PORT N                 N concurrent connections, each echoed
  fwdtool.py hold HOST PORT N SECONDS         hold N echoed connections open
  fwdtool.py ping HOST PORT [TIMEOUT [FROM]]  one echo; prints how the connection ended
  fwdtool.py flood HOST PORT N                open N at once, count the echoed ones, close
  fwdtool.py stall HOST PORT                  a server that accepts and never reads
  fwdtool.py push HOST PORT SECONDS           send without reading; print bytes accepted
  fwdtool.py blackhole HOST PORT [FILE]       a listener that never accepts, its backlog full
                                              (once FILE exists: accepts and closes them all)
  fwdtool.py idle HOST PORT SECONDS           one echo, then wait for the far end to close
  fwdtool.py reset HOST PORT                  connect, send, close with RST
  fwdtool.py upreset HOST PORT                ask the echo server to reset; expect a reset

The echo server shuts down its write side after the client's EOF (so
half-close is visible end to end), resets a connection whose data is
"RST\\n", and writes a "reset" line to --events when a client resets.
"""
import asyncio
import hashlib
import os
import select
import socket
import struct
import sys
import threading
import time


def fail(msg):
    print("fwdtool: " + msg, file=sys.stderr)
    sys.exit(1)


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def connect(host, port, timeout=10, source=None):
    s = socket.socket(family(host), socket.SOCK_STREAM)
    s.settimeout(timeout)
    if source:
        s.bind((source, 0))
    s.connect((host, port))
    return s


# ---- echo server ----------------------------------------------------------

class Echo(asyncio.Protocol):
    events = None

    def connection_made(self, transport):
        self.t = transport
        self.paused = False
        self.t.set_write_buffer_limits(high=1 << 20)

    def data_received(self, data):
        if data == b"RST\n":
            sock = self.t.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.t.abort()
            return
        self.t.write(data)

    def pause_writing(self):
        self.t.pause_reading()

    def resume_writing(self):
        self.t.resume_reading()

    def eof_received(self):
        if self.t.can_write_eof():
            self.t.write_eof()
        return True  # keep the transport open until our writes are done

    def connection_lost(self, exc):
        if isinstance(exc, ConnectionResetError):
            self.note("reset")

    def note(self, what):
        if Echo.events:
            with open(Echo.events, "a") as f:
                f.write(what + "\n")


async def serve(host, port, events):
    Echo.events = events
    loop = asyncio.get_running_loop()
    srv = await loop.create_server(Echo, host, port, family=family(host),
                                   reuse_address=True, backlog=4096)
    print("ready", flush=True)
    async with srv:
        await srv.serve_forever()


# ---- clients --------------------------------------------------------------

def bulk(host, port, mb):
    total = mb << 20
    chunk = os.urandom(1 << 20)
    s = connect(host, port, 30)
    sent = hashlib.sha256()
    got = hashlib.sha256()

    def sender():
        left = total
        while left:
            part = chunk[:min(left, len(chunk))]
            s.sendall(part)
            sent.update(part)
            left -= len(part)
        s.shutdown(socket.SHUT_WR)

    th = threading.Thread(target=sender)
    th.start()
    n = 0
    while True:
        data = s.recv(1 << 20)
        if not data:
            break
        got.update(data)
        n += len(data)
    th.join()
    s.close()
    if n != total:
        fail("bulk: got %d bytes back, sent %d" % (n, total))
    if sent.hexdigest() != got.hexdigest():
        fail("bulk: checksum differs")
    print("bulk ok %d MB sha256 %s" % (mb, got.hexdigest()[:16]))


def halfclose(host, port):
    msg = os.urandom(300000)
    s = connect(host, port)
    s.sendall(msg)
    s.shutdown(socket.SHUT_WR)
    back = b""
    while True:
        data = s.recv(65536)
        if not data:
            break
        back += data
    s.close()
    if back != msg:
        fail("halfclose: got %d bytes back of %d" % (len(back), len(msg)))
    print("halfclose ok")


def many(host, port, n):
    socks = []
    for i in range(n):
        socks.append(connect(host, port, 20))
    for i, s in enumerate(socks):
        s.sendall(b"conn %d\n" % i)
    for i, s in enumerate(socks):
        want = b"conn %d\n" % i
        back = b""
        while len(back) < len(want):
            data = s.recv(100)
            if not data:
                fail("many: connection %d closed early" % i)
            back += data
        if back != want:
            fail("many: connection %d got %r" % (i, back))
    for s in socks:
        s.close()
    print("many ok %d" % n)


def hold(host, port, n, secs):
    socks = [connect(host, port) for _ in range(n)]
    for s in socks:
        s.sendall(b"x")
        if s.recv(1) != b"x":
            fail("hold: no echo")
    print("holding %d" % n, flush=True)
    time.sleep(secs)
    # Still alive after whatever happened meanwhile?
    for i, s in enumerate(socks):
        s.sendall(b"y")
        if s.recv(1) != b"y":
            fail("hold: connection %d dropped" % i)
        s.close()
    print("hold ok %d" % n)


def ping(host, port, timeout=10.0, source=None):
    t0 = time.monotonic()
    try:
        s = connect(host, port, timeout, source)
        s.sendall(b"ping\n")
        data = s.recv(100)
    except ConnectionResetError:
        print("reset %.3f" % (time.monotonic() - t0))
        return
    except socket.timeout:
        print("timeout %.3f" % (time.monotonic() - t0))
        return
    except ConnectionRefusedError:
        print("refused %.3f" % (time.monotonic() - t0))
        return
    if data == b"ping\n":
        print("echo %.3f" % (time.monotonic() - t0))
    elif data == b"":
        print("closed %.3f" % (time.monotonic() - t0))
    else:
        print("garbage %r" % data)
    s.close()


def flood(host, port, n):
    socks = []
    for _ in range(n):
        try:
            socks.append(connect(host, port, 2))
        except OSError:
            pass
    waiting = set()
    for s in socks:
        try:
            s.sendall(b"x")
            waiting.add(s)
        except OSError:
            pass
    echoed = 0
    deadline = time.monotonic() + 2
    while waiting and time.monotonic() < deadline:
        ready, _, _ = select.select(list(waiting), [], [], deadline - time.monotonic())
        for s in ready:
            waiting.discard(s)
            try:
                if s.recv(1) == b"x":
                    echoed += 1
            except OSError:
                pass
    for s in socks:
        s.close()
    print("flood %d echoed of %d" % (echoed, n))


def stall(host, port):
    lis = socket.socket(family(host), socket.SOCK_STREAM)
    lis.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lis.bind((host, port))
    lis.listen(16)
    print("ready", flush=True)
    held = []
    while True:
        held.append(lis.accept()[0])


def push(host, port, secs):
    """Write as fast as the path takes it; the total shows what it buffers."""
    s = connect(host, port)
    s.setblocking(False)
    chunk = b"z" * 65536
    total = 0
    end = time.monotonic() + secs
    while time.monotonic() < end:
        select.select([], [s], [], max(0, end - time.monotonic()))
        try:
            total += s.send(chunk)
        except BlockingIOError:
            pass
        except OSError:
            break  # the far end gave up (idle timeout): total stands
    print("pushed %d" % total)
    s.close()


def blackhole(host, port, release=None):
    """Fill a never-accepted backlog so that further SYNs are dropped."""
    lis = socket.socket(family(host), socket.SOCK_STREAM)
    lis.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lis.bind((host, port))
    lis.listen(0)
    fillers = []
    for _ in range(4):
        c = socket.socket(family(host), socket.SOCK_STREAM)
        c.setblocking(False)
        c.connect_ex((host, port))
        fillers.append(c)
    time.sleep(0.3)
    print("ready", flush=True)
    if not release:
        time.sleep(3600)
    while not os.path.exists(release):
        time.sleep(0.02)
    while True:  # the backlog has room again: a SYN sent again gets through
        lis.accept()[0].close()


def idle(host, port, secs):
    s = connect(host, port, secs)
    s.sendall(b"x")
    if s.recv(1) != b"x":
        fail("idle: no echo")
    t0 = time.monotonic()
    try:
        data = s.recv(1)
    except socket.timeout:
        print("open %.3f" % (time.monotonic() - t0))
        return
    print("%s %.3f" % ("closed" if data == b"" else "data", time.monotonic() - t0))


def reset(host, port):
    s = connect(host, port)
    s.sendall(b"hello\n")
    if s.recv(100) != b"hello\n":
        fail("reset: no echo first")
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    print("reset sent")


def upreset(host, port):
    s = connect(host, port)
    s.sendall(b"RST\n")
    try:
        data = s.recv(100)
    except ConnectionResetError:
        print("upreset ok")
        return
    fail("upreset: expected a reset, got %r" % data)


# command: (function, converters of the arguments after HOST PORT)
COMMANDS = {
    "bulk": (bulk, [int]),
    "halfclose": (halfclose, []),
    "many": (many, [int]),
    "hold": (hold, [int, float]),
    "ping": (ping, [float, str]),
    "flood": (flood, [int]),
    "stall": (stall, []),
    "push": (push, [float]),
    "blackhole": (blackhole, [str]),
    "idle": (idle, [float]),
    "reset": (reset, []),
    "upreset": (upreset, []),
}


def main():
    a = sys.argv[1:]
    if len(a) < 3:
        fail(__doc__)
    cmd, host, port, rest = a[0], a[1], int(a[2]), a[3:]
    if cmd == "echo":
        events = rest[1] if len(rest) > 1 and rest[0] == "--events" else None
        asyncio.run(serve(host, port, events))
        return
    if cmd not in COMMANDS:
        fail("unknown command " + cmd)
    fn, conv = COMMANDS[cmd]
    fn(host, port, *[c(v) for c, v in zip(conv, rest)])


if __name__ == "__main__":
    main()
