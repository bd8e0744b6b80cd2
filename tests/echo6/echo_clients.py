#!/usr/bin/env python3
"""Echo test clients for the echo6 and unixipc tests.

usage: echo_clients.py SCENARIO ADDR [ARGS...]
ADDR: tcp:HOST:PORT (HOST may be [v6]), unix:PATH, seqpacket:PATH (@name
for abstract names). Prints one line per check; exits 1 on the first
failure (with the reason on stderr).
"""
import os
import selectors
import socket
import struct
import sys
import time

TIMEOUT = 20.0


def die(msg):
    print("echo_clients: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def parse(addr):
    kind, _, rest = addr.partition(":")
    if kind == "tcp":
        host, _, port = rest.rpartition(":")
        host = host.strip("[]")
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        return fam, socket.SOCK_STREAM, (host, int(port))
    path = "\0" + rest[1:] if rest.startswith("@") else rest
    typ = socket.SOCK_SEQPACKET if kind == "seqpacket" else socket.SOCK_STREAM
    return socket.AF_UNIX, typ, path


def connect(addr):
    fam, typ, sa = parse(addr)
    s = socket.socket(fam, typ)
    s.settimeout(TIMEOUT)
    s.connect(sa)
    return s


def payload(tag, size):
    head = ("%s:" % tag).encode()
    body = bytes((i * 7 + i // 251) & 0xFF for i in range(min(size, 65536)))
    data = (head + body * (size // len(body) + 1) if body else head)[:size]
    return data if size else b""


def pump(jobs):
    """Send each (socket, data) and read as much back, all at once,
    interleaving sends and reads; check every echo."""
    sel = selectors.DefaultSelector()
    state = {}
    for s, data in jobs:
        s.setblocking(False)
        state[s] = [data, 0, bytearray()]
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    left = len(jobs)
    deadline = time.time() + TIMEOUT * 2
    while left:
        if time.time() > deadline:
            die("timeout with %d of %d echoes unfinished" % (left, len(jobs)))
        for key, ev in sel.select(1.0):
            s = key.fileobj
            data, sent, got = state[s]
            if ev & selectors.EVENT_WRITE and sent < len(data):
                state[s][1] = sent = sent + s.send(data[sent:sent + 262144])
                if sent == len(data):
                    sel.modify(s, selectors.EVENT_READ)
            if ev & selectors.EVENT_READ:
                try:
                    chunk = s.recv(1 << 20)
                except BlockingIOError:
                    continue
                if not chunk:
                    die("connection closed after %d of %d bytes" % (len(got), len(data)))
                got += chunk
                if len(got) >= len(data):
                    if bytes(got) != data:
                        die("echo differs (%d bytes sent, %d back)" % (len(data), len(got)))
                    sel.unregister(s)
                    left -= 1
    sel.close()
    for s, _ in jobs:
        s.setblocking(True)
        s.settimeout(TIMEOUT)


def exchange(s, data):
    pump([(s, data)])


def expect_closed(s, within):
    """The server closes s (EOF or reset) within seconds."""
    s.settimeout(within)
    try:
        if s.recv(1) == b"":
            return
        die("server sent data instead of closing")
    except (ConnectionResetError, BrokenPipeError):
        return
    except socket.timeout:
        die("server did not close the connection within %.1f s" % within)


def many(addr, n, size):
    """n clients connected at once, each echoing a distinct message."""
    n, size = int(n), int(size)
    socks = [connect(addr) for _ in range(n)]
    pump([(s, payload("c%d" % i, size)) for i, s in enumerate(socks)])
    for s in socks:
        s.close()
    print("%d clients echoed %d bytes each intact" % (n, size))


def messages(addr, count, size):
    """Many messages one after the other on one connection."""
    s = connect(addr)
    for i in range(int(count)):
        exchange(s, payload("m%d" % i, int(size)))
    s.close()
    print("%s messages of %s bytes echoed intact" % (count, size))


def abort(addr):
    """A client that disconnects mid-message (with a reset) does not
    disturb the others, before, during or after."""
    big = payload("b", 1 << 20)
    b = connect(addr)
    exchange(b, big)
    a = connect(addr)
    a.setblocking(False)
    sent = 0
    try:
        while sent < 600000:
            sent += a.send(big[sent:sent + 65536])
    except BlockingIOError:
        pass
    exchange(b, big)
    a.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    a.close()
    exchange(b, big)
    c = connect(addr)
    exchange(c, payload("c", 1000))
    b.close()
    c.close()
    print("client aborting mid-message (%d bytes in) did not disturb others" % sent)


def stall(addr):
    """Back-pressure: a client that writes without reading stops being
    read; others are served meanwhile; it gets every byte back later."""
    a = connect(addr)
    a.setblocking(False)
    data = payload("s", 64 << 20)
    sent = 0
    quiet_since = time.time()
    while time.time() - quiet_since < 0.5:
        try:
            sent += a.send(data[sent:sent + 65536])
            quiet_since = time.time()
        except BlockingIOError:
            time.sleep(0.02)
        if sent == len(data):
            die("server read 64 MB from a client that never read its echo")
    b = connect(addr)
    exchange(b, payload("b", 100000))
    # Now read everything back while sending the rest.
    a.setblocking(True)
    a.settimeout(TIMEOUT)
    rest = data[sent:]
    a_got = bytearray()
    while len(a_got) < sent:
        a_got += a.recv(1 << 20)
    if bytes(a_got[:sent]) != data[:sent]:
        die("the stalled client's echo differs")
    exchange(a, rest[:100000])
    a.close()
    b.close()
    print("stalled after %d bytes; others served; all echoed intact" % sent)


def maxclients(addr, limit):
    limit = int(limit)
    socks = [connect(addr) for _ in range(limit)]
    for s in socks:
        exchange(s, b"x")
    extra = connect(addr)
    expect_closed(extra, 5.0)
    extra.close()
    socks.pop().close()
    # The server sees the close on its next loop turn.
    for _ in range(100):
        s = connect(addr)
        try:
            s.sendall(b"y")
            s.settimeout(0.2)
            if s.recv(1) == b"y":
                socks.append(s)
                break
        except (socket.timeout, ConnectionResetError, BrokenPipeError):
            pass
        s.close()
        time.sleep(0.05)
    else:
        die("no room again after a client left")
    for s in socks:
        s.close()
    print("client %d refused; a slot freed is reused" % (limit + 1))


def idle(addr, max_secs):
    s = connect(addr)
    exchange(s, b"still here")
    t0 = time.time()
    expect_closed(s, float(max_secs))
    print("idle client closed after %.1f s" % (time.time() - t0))


def main():
    if len(sys.argv) < 3:
        die(__doc__)
    fn = globals().get(sys.argv[1])
    if not callable(fn):
        die("unknown scenario " + sys.argv[1])
    fn(sys.argv[2], *sys.argv[3:])


if __name__ == "__main__":
    main()
