#!/usr/bin/env python3
"""Loopback helpers for the UDP forward tests: an echo server and clients.

  udptool.py echo HOST PORT                 echo every datagram back (ready line)
  udptool.py clients HOST PORT N SIZE [FROM [SECS]]
                                            N sockets at once, one datagram of SIZE
                                            bytes each, every reply checked to reach
                                            its own sender intact; prints
                                            "answered A lost L misrouted M bad B"
  udptool.py ping HOST PORT SIZE SECS [FROM] one datagram; prints echo, refused or
                                            timeout and the seconds it took

A client's payload starts with its own number and a random tag, so a reply
that reaches another socket (misrouted) or comes back cut or altered (bad)
is told apart from one that never came (lost). Datagrams that got no reply
are sent again, up to 5 rounds, as loopback drops some of a burst.
"""
import os
import select
import socket
import sys
import time


def fail(msg):
    print("udptool: " + msg, file=sys.stderr)
    sys.exit(1)


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def big_buffers(s):
    """Room for a burst: 1,000 datagrams at once overflow the default."""
    for opt in (33, socket.SO_RCVBUF):  # 33: SO_RCVBUFFORCE (root only)
        try:
            s.setsockopt(socket.SOL_SOCKET, opt, 8 << 20)
            return
        except OSError:
            pass


def echo(host, port):
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    if family(host) == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    big_buffers(s)
    s.bind((host, port))
    print("ready", flush=True)
    while True:
        data, peer = s.recvfrom(65536)
        try:
            s.sendto(data, peer)
        except OSError:
            pass


def payload(i, tag, size):
    head = b"%08d %s " % (i, tag)
    if size < len(head):
        fail("size %d is too small for a tagged payload" % size)
    body = (head * (size // len(head) + 1))[:size - len(head)]
    return head + body


def clients(host, port, n, size, source=None, secs=2.0):
    if source == "-":
        source = None
    fam = family(host)
    tag = os.urandom(4).hex().encode()
    socks, want = [], []
    for i in range(n):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.setblocking(False)
        s.bind((source or ("::1" if fam == socket.AF_INET6 else "127.0.0.1"), 0))
        socks.append(s)
        want.append(payload(i, tag, size))
    dest = socket.getaddrinfo(host, port, fam, socket.SOCK_DGRAM)[0][4]
    index = {s.fileno(): i for i, s in enumerate(socks)}
    poller = select.poll()
    for s in socks:
        poller.register(s, select.POLLIN)
    answered = [False] * n
    misrouted = bad = 0
    for _ in range(5):
        todo = [i for i in range(n) if not answered[i]]
        if not todo:
            break
        for i in todo:
            try:
                socks[i].sendto(want[i], (host, port))
            except BlockingIOError:
                pass
        deadline = time.monotonic() + secs / 5
        while time.monotonic() < deadline and not all(answered):
            for fd, _ in poller.poll(max(1, int((deadline - time.monotonic()) * 1000))):
                i = index[fd]
                while True:
                    try:
                        data, peer = socks[i].recvfrom(65536)
                    except (BlockingIOError, ConnectionRefusedError):
                        break
                    if peer[:2] != dest[:2]:
                        bad += 1  # not from the address the client sent to
                    elif data == want[i]:
                        answered[i] = True
                    elif data[:8].isdigit() and data[9:17] == tag and len(data) == size:
                        misrouted += 1
                    else:
                        bad += 1
    for s in socks:
        s.close()
    a = sum(answered)
    print("answered %d lost %d misrouted %d bad %d" % (a, n - a, misrouted, bad))


def ping(host, port, size, secs, source=None):
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    s.settimeout(secs)
    if source:
        s.bind((source, 0))
    s.connect((host, port))
    msg = payload(0, os.urandom(4).hex().encode(), size)
    t0 = time.monotonic()
    s.send(msg)
    try:
        data = s.recv(65536)
    except socket.timeout:
        print("timeout %.3f" % (time.monotonic() - t0))
        return
    except ConnectionRefusedError:
        print("refused %.3f" % (time.monotonic() - t0))
        return
    print("%s %.3f" % ("echo" if data == msg else "bad", time.monotonic() - t0))


def main():
    a = sys.argv[1:]
    if len(a) < 3:
        fail(__doc__)
    cmd, host, port, rest = a[0], a[1], int(a[2]), a[3:]
    if cmd == "echo":
        echo(host, port)
    elif cmd == "clients" and len(rest) >= 2:
        clients(host, port, int(rest[0]), int(rest[1]), rest[2] if len(rest) > 2 else None,
                float(rest[3]) if len(rest) > 3 else 2.0)
    elif cmd == "ping" and len(rest) >= 2:
        ping(host, port, int(rest[0]), float(rest[1]), rest[2] if len(rest) > 2 else None)
    else:
        fail(__doc__)


if __name__ == "__main__":
    main()
