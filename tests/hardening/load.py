#!/usr/bin/env python3
"""Load and fault clients for the hardening tests (tests/hardening/).

usage: load.py SCENARIO ADDR [OPTIONS]
ADDR: tcp:HOST:PORT (HOST may be [v6]), unix:PATH, seqpacket:PATH
(@name: abstract). Every scenario checks every echo byte for
byte, prints its figures as "key=value" lines and exits 1 on the first
failure (reason on stderr). With --pid, the host's VmRSS (kB) and open
fds are read from /proc and printed too.

steady:  --conns N clients, each echoing --size-byte messages back to back
         for --seconds, all at once (one epoll loop); "ramped" is printed
         once every client has had its first echo; --seconds count from
         there. Any close, short or wrong echo,
         or a client with no answer for 10 s fails. With --until-closed the
         run ends when the server has closed every connection (SIGTERM
         tests): closes are then expected, wrong data still fails.
stall:   --conns N clients send without reading until the host stops
         reading them, keep pushing for a second, then read every byte
         back; then one client streams --mbytes through while reading
         slowly. The host's RSS is sampled all along; its growth over the
         start must stay within --rss-budget kB.
reset:   --conns N clients fill the host's output towards them (they do
         not read), then reset (SO_LINGER 0) all at once.
fdlimit: --conns N clients connect at once to a host short of fds; the
         served ones keep echoing, the others are answered once the
         served ones leave; then a new client is served.
dgramstall: (dgram:PATH) one client sends --size-byte datagrams for a
         second without reading, then closes; another is then answered
         100 times in a row. Whether it was answered meanwhile is printed.
"""
import argparse
import errno
import os
import select
import socket
import struct
import sys
import time

sys.dont_write_bytecode = True  # nothing left in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "echo6"))
from echo_clients import parse  # noqa: E402  (tcp:, unix:, seqpacket: addresses)

STALL_SECS = 10.0
PATTERN = bytes((i * 7 + i // 251) & 0xFF for i in range(1 << 16)) * 4


def die(msg):
    print("load: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def message(conn, seq, size):
    head = b"%d:%d:" % (conn, seq)
    if size <= len(head):
        return head[:max(size, 1)]
    return head + PATTERN[:size - len(head)]


class Host:
    """The server process, as /proc shows it."""

    def __init__(self, pid):
        self.pid = pid
        self.peak = 0

    def rss_kb(self):
        if not self.pid:
            return 0
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def fds(self):
        return len(os.listdir("/proc/%d/fd" % self.pid)) if self.pid else 0


def connect_all(addr, n, batch=500):
    """n non-blocking connected sockets, opened batch at a time (the
    listen backlog is finite)."""
    fam, typ, sa = parse(addr)
    socks = []
    ep = select.epoll()
    while len(socks) < n:
        pending = {}
        for _ in range(min(batch, n - len(socks))):
            s = socket.socket(fam, typ)
            s.setblocking(False)
            if fam != socket.AF_UNIX:
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            err = s.connect_ex(sa)
            if err not in (0, errno.EINPROGRESS, errno.EAGAIN):
                die("connect %d: %s" % (len(socks) + len(pending), os.strerror(err)))
            if err == errno.EAGAIN:  # a Unix listener's backlog is full
                s.close()
                break
            if err == 0:
                socks.append(s)
                continue
            pending[s.fileno()] = s
            ep.register(s, select.EPOLLOUT)
        deadline = time.time() + STALL_SECS
        while pending:
            if time.time() > deadline:
                die("%d connects did not complete" % len(pending))
            for fd, _ in ep.poll(1.0):
                s = pending.pop(fd)
                ep.unregister(fd)
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    die("connect: %s" % os.strerror(err))
                socks.append(s)
    ep.close()
    return socks


class Conn:
    __slots__ = ("i", "s", "seq", "out", "sent", "got", "since", "closed")

    def __init__(self, i, s):
        self.i, self.s, self.seq, self.closed = i, s, 0, False


def steady(a):
    host = Host(a.pid)
    t0 = time.time()
    socks = connect_all(a.addr, a.conns)
    ep = select.epoll()
    conns = {}
    for i, s in enumerate(socks):
        c = Conn(i, s)
        conns[s.fileno()] = c
        ep.register(s, select.EPOLLIN | select.EPOLLOUT)
        next_message(c, a.size)
    # Every client echoes once before "ramped": all are accepted and served.
    total_msgs = total_bytes = closed = 0
    ramped = False
    rss_ramp = fds_ramp = 0
    deadline = None
    end_at = None
    done_first = 0
    next_check = 0
    while True:
        now = time.time()
        if ramped and not a.until_closed and now >= end_at:
            break
        if a.until_closed and closed == len(conns):
            break
        if not ramped and now - t0 > 120:
            die("only %d of %d clients served after 120 s" % (done_first, len(conns)))
        if deadline and now > deadline:
            die("the server did not close every connection (%d of %d closed)" %
                (closed, len(conns)))
        for fd, ev in ep.poll(0.5):
            c = conns[fd]
            if ev & select.EPOLLOUT and c.sent < len(c.out):
                try:
                    c.sent += c.s.send(c.out[c.sent:])
                except BlockingIOError:
                    pass
                except OSError as e:
                    if not a.until_closed:
                        die("client %d: send: %s" % (c.i, e))
                    closed += close_conn(ep, c)
                    continue
                if c.sent == len(c.out):
                    ep.modify(c.s, select.EPOLLIN)
            if ev & (select.EPOLLIN | select.EPOLLHUP | select.EPOLLERR):
                try:
                    chunk = c.s.recv(65536)
                except BlockingIOError:
                    continue
                except OSError as e:
                    if not a.until_closed:
                        die("client %d: receive: %s after %d echoes" % (c.i, e, c.seq))
                    closed += close_conn(ep, c)
                    continue
                if not chunk:
                    if not a.until_closed:
                        die("client %d: closed by the server after %d echoes" % (c.i, c.seq))
                    closed += close_conn(ep, c)
                    continue
                c.got += chunk
                if c.out[:len(c.got)] != bytes(c.got):
                    die("client %d: echo %d differs" % (c.i, c.seq))
                if len(c.got) == len(c.out):
                    total_msgs += 1
                    total_bytes += len(c.out)
                    if c.seq == 1:
                        done_first += 1
                    next_message(c, a.size)
                    ep.modify(c.s, select.EPOLLIN | select.EPOLLOUT)
        if not ramped and done_first == len(conns):
            ramped = True
            time.sleep(0.2)  # let the host settle before measuring
            rss_ramp, fds_ramp = host.rss_kb(), host.fds()
            print("ramped conns=%d secs=%.1f" % (len(conns), time.time() - t0) +
                  (" rss_kb=%d fds=%d" % (rss_ramp, fds_ramp) if a.pid else ""), flush=True)
            t1 = time.time()
            msgs_ramp = total_msgs
            end_at = t1 + a.seconds
            if a.until_closed:
                deadline = t1 + a.seconds
        if not a.until_closed and now >= next_check:
            next_check = now + 1.0
            old = now - STALL_SECS
            for c in conns.values():
                if c.since < old:
                    die("client %d: no echo for %.0f s (message %d)" % (c.i, STALL_SECS, c.seq))
    if not ramped:
        die("not every client was served before the end")
    secs = time.time() - t1
    rss_end, fds_end = host.rss_kb(), host.fds()
    print("conns=%d seconds=%.1f messages=%d bytes=%d msgs_per_s=%.0f closed=%d" %
          (len(conns), secs, total_msgs, total_bytes, (total_msgs - msgs_ramp) / secs, closed))
    if a.pid and not a.until_closed:
        print("rss_ramp_kb=%d rss_end_kb=%d fds_ramp=%d fds_end=%d" %
              (rss_ramp, rss_end, fds_ramp, fds_end))
        if a.rss_budget is not None and rss_end - rss_ramp > a.rss_budget:
            die("host RSS grew %d kB under steady load (budget %d kB)" %
                (rss_end - rss_ramp, a.rss_budget))
        if fds_end != fds_ramp:
            die("host fds %d after the ramp, %d at the end" % (fds_ramp, fds_end))
    for c in conns.values():
        c.s.close()


def next_message(c, size):
    c.out = message(c.i, c.seq, size) if c.seq or size else b"x"
    c.seq += 1
    c.sent = 0
    c.got = bytearray()
    c.since = time.time()


def close_conn(ep, c):
    if c.closed:
        return 0
    # What came back before the close must still be a prefix of what went.
    if c.out[:len(c.got)] != bytes(c.got):
        die("client %d: echo %d differs before the close" % (c.i, c.seq))
    ep.unregister(c.s)
    c.s.close()
    c.closed = True
    return 1


def fill(socks, data, quiet=0.3, host=None, chunk=65536):
    """Send data on every non-blocking socket of socks until the server
    has taken nothing for quiet seconds; the bytes each sent. host: keep
    its peak RSS in host.peak."""
    sent = [0] * len(socks)
    since = time.time()
    while time.time() - since < quiet:
        for i, s in enumerate(socks):
            try:
                n = s.send(data[sent[i]:sent[i] + chunk])
            except BlockingIOError:
                continue
            sent[i] += n
            since = time.time()
            if sent[i] == len(data):
                die("the server took all %d bytes from a client that never read" % len(data))
        if host:
            host.peak = max(host.peak, host.rss_kb())
        time.sleep(0.005)
    return sent


def read_back(s, want, secs=STALL_SECS):
    s.setblocking(True)
    s.settimeout(secs)
    got = bytearray()
    while len(got) < len(want):
        chunk = s.recv(1 << 20)
        if not chunk:
            die("closed after %d of %d bytes" % (len(got), len(want)))
        got += chunk
    if bytes(got) != want:
        die("echo differs (%d bytes)" % len(want))


def stall(a):
    host = Host(a.pid)
    rss0 = host.peak = host.rss_kb()
    data = PATTERN * 64  # 16 MB
    socks = connect_all(a.addr, a.conns)
    # A full second without progress: a host that was merely descheduled
    # (a loaded machine) must not pass for one that stopped reading.
    pushed = fill(socks, data, 1.0, host, a.chunk)
    # Keep pushing for a second: the host must take nothing more.
    more = 0
    t = time.time()
    while time.time() - t < 1.0:
        for i, s in enumerate(socks):
            try:
                n = s.send(data[pushed[i]:pushed[i] + a.chunk])
            except BlockingIOError:
                continue
            pushed[i] += n
            more += n
        host.peak = max(host.peak, host.rss_kb())
        time.sleep(0.05)
    print("stalled_clients=%d pushed_kb=%d taken_after_stall_bytes=%d" %
          (len(socks), sum(pushed) // 1024, more))
    if more:
        die("the host read %d more bytes from clients it cannot echo to" % more)
    for i, s in enumerate(socks):
        read_back(s, data[:pushed[i]])
        s.close()
    # A slow reader of a long stream: back-pressure, not buffering.
    (s,) = connect_all(a.addr, 1)
    total = a.mbytes << 20
    ring = memoryview(PATTERN * 2)
    n = len(PATTERN)
    sent = got = 0
    t = time.time()
    while got < total:
        if sent < total:
            try:
                sent += s.send(ring[sent % n:sent % n + min(a.chunk, total - sent)])
            except BlockingIOError:
                pass
        try:
            chunk = s.recv(a.read_chunk)
            if not chunk:
                die("slow reader: closed after %d bytes" % got)
            if chunk != ring[got % n:got % n + len(chunk)]:
                die("slow reader: echo differs at byte %d" % got)
            got += len(chunk)
        except BlockingIOError:
            pass
        host.peak = max(host.peak, host.rss_kb())
        time.sleep(0.002)
        if time.time() - t > 30:
            die("slow reader: %d of %d bytes after 30 s" % (got, total))
    s.close()
    growth = host.peak - rss0
    if a.rss_budget is None:
        a.rss_budget = growth
    print("slow_reader_mb=%d secs=%.1f rss_start_kb=%d rss_peak_kb=%d growth_kb=%d budget_kb=%d" %
          (a.mbytes, time.time() - t, rss0, host.peak, growth, a.rss_budget))
    if growth > a.rss_budget:
        die("host RSS grew %d kB under back-pressure (budget %d kB)" % (growth, a.rss_budget))


def reset(a):
    data = PATTERN * 64
    socks = connect_all(a.addr, a.conns)
    pushed = sum(fill(socks, data, 0.2, None, a.chunk))
    for s in socks:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
    print("reset_clients=%d pushed_kb=%d" % (len(socks), pushed // 1024))


def fdlimit(a):
    host = Host(a.pid)
    socks = connect_all(a.addr, a.conns)
    for s in socks:
        s.send(b"?")
    # Who is served: an echo within a second.
    served, waiting = [], []
    time.sleep(1.0)
    for s in socks:
        try:
            (served if s.recv(16) == b"?" else waiting).append(s)
        except BlockingIOError:
            waiting.append(s)
    fds_full = host.fds()
    print("conns=%d served=%d waiting=%d host_fds=%d" %
          (len(socks), len(served), len(waiting), fds_full), flush=True)
    if not served or not waiting:
        die("expected some clients served and some waiting")
    # The served ones keep working while the host is out of fds.
    for i, s in enumerate(served):
        m = message(i, 1, 1000)
        s.setblocking(True)
        s.sendall(m)
        read_back(s, m)
    for s in served:
        s.close()
    # Every waiting client is accepted and answered as fds free up.
    t = time.time()
    for s in waiting:
        read_back(s, b"?", STALL_SECS)
    print("recovered_secs=%.1f" % (time.time() - t))
    for s in waiting:
        s.close()
    (s,) = connect_all(a.addr, 1)
    s.setblocking(True)
    s.sendall(b"new")
    read_back(s, b"new")
    s.close()


def dgram_client(path, name):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind("\0nethost-load-%s-%d" % (name, os.getpid()))  # a reply needs an address
    s.connect(path)
    return s


def dgramstall(a):
    """One datagram client sends without reading, then goes away; the
    echo serves others again at once."""
    host = Host(a.pid)
    rss0 = host.rss_kb()
    path = parse(a.addr.replace("dgram:", "unix:", 1))[2]
    s = dgram_client(path, "stalled")
    sent = 0
    t = time.time()
    while time.time() - t < 1.0:
        try:
            s.send(message(0, sent, a.size), socket.MSG_DONTWAIT)
            sent += 1
        except BlockingIOError:
            time.sleep(0.01)
    b = dgram_client(path, "other")
    b.settimeout(1.0)
    try:
        b.send(b"meanwhile")
        meanwhile = b.recv(65536) == b"meanwhile"
    except socket.timeout:
        meanwhile = False
    rss1 = host.rss_kb()
    s.close()
    b.close()
    b = dgram_client(path, "after")
    b.settimeout(STALL_SECS)
    for i in range(100):
        m = message(1, i, a.size)
        b.send(m)
        if b.recv(65536) != m:
            die("datagram %d: echo differs" % i)
    b.close()
    print("stalled_client_sent=%d other_answered_meanwhile=%s rss_start_kb=%d rss_stalled_kb=%d "
          "after_close=100_echoed" % (sent, "yes" if meanwhile else "no", rss0, rss1))
    if a.rss_budget is not None and rss1 - rss0 > a.rss_budget:
        die("host RSS grew %d kB while a datagram client stalled" % (rss1 - rss0))


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenario", choices=("steady", "stall", "reset", "fdlimit", "dgramstall"))
    p.add_argument("addr")
    p.add_argument("--conns", type=int, default=10)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--size", type=int, default=100)
    p.add_argument("--pid", type=int, default=0)
    p.add_argument("--rss-budget", type=int, default=None, help="kB")
    p.add_argument("--mbytes", type=int, default=32)
    p.add_argument("--read-chunk", type=int, default=16384)
    p.add_argument("--chunk", type=int, default=65536, help="bytes per send (seqpacket: one message)")
    p.add_argument("--until-closed", action="store_true")
    a = p.parse_args()
    globals()[a.scenario](a)


if __name__ == "__main__":
    main()
