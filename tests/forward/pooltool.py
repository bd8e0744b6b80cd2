#!/usr/bin/env python3
"""Upstream pools for the forward balance tests.

  pooltool.py servers HOST PORT...      one server per port: each client gets
                                        "PORT\\n" at once, then what it sends
                                        comes back until the client closes
                                        (ready line once all listen)
  pooltool.py count HOST PORT N [FROM] [--proxy SRC]
                                        N connections one after the other (from
                                        FROM; each starting with a PROXY v1
                                        header naming SRC as the client); print
                                        "PORT=COUNT ..." sorted by port,
                                        "refused=COUNT" for those closed
                                        without a line
  pooltool.py leastconn HOST PORT NETHOST SOCK INSTANCE
                                        hold one connection per upstream, close
                                        one, wait until `NETHOST ctl -s SOCK
                                        upstreams INSTANCE` shows it gone, and
                                        see that the next client goes where the
                                        fewest are; twice
"""
import json
import socket
import subprocess
import sys
import threading
import time


def fail(msg):
    print("pooltool: " + msg, file=sys.stderr)
    sys.exit(1)


def servers(host, ports):
    def serve(c, port):
        try:
            c.sendall(b"%d\n" % port)
            while True:
                d = c.recv(4096)
                if not d:
                    break
                c.sendall(d)
        except OSError:
            pass
        c.close()

    def run(ls, port):
        while True:
            c, _ = ls.accept()
            threading.Thread(target=serve, args=(c, port), daemon=True).start()

    for p in ports:
        ls = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((host, int(p)))
        ls.listen(512)
        threading.Thread(target=run, args=(ls, int(p)), daemon=True).start()
    print("ready", flush=True)
    while True:
        time.sleep(3600)


def one(host, port, source=None, proxy=None):
    """Connect, return (socket, upstream port) or (None, None) if refused."""
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    s.settimeout(10)
    if source:
        s.bind((source, 0))
    s.connect((host, int(port)))
    if proxy:
        s.sendall(b"PROXY TCP4 %s %s 40000 %d\r\n" % (proxy.encode(), host.encode(), int(port)))
    line = b""
    try:
        while not line.endswith(b"\n"):
            d = s.recv(100)
            if not d:
                break
            line += d
    except ConnectionResetError:
        pass
    if not line.endswith(b"\n"):
        s.close()
        return None, None
    return s, int(line)


def count(host, port, n, source=None, proxy=None):
    seen = {}
    for _ in range(int(n)):
        s, up = one(host, port, source, proxy)
        key = "refused" if up is None else str(up)
        seen[key] = seen.get(key, 0) + 1
        if s:
            s.close()
    print(" ".join("%s=%d" % kv for kv in sorted(seen.items())))


def active(ctl, up):
    """The forwarder's count of open connections to upstream port `up`."""
    out = subprocess.run(ctl, check=True, capture_output=True, text=True).stdout
    for u in json.loads(out)["instances"][0]["reply"]["upstreams"]:
        if u["upstream"].endswith(":%d" % up):
            return u["active"]
    fail("no upstream %d in %s" % (up, out))


def leastconn(host, port, nethost, sock, instance):
    ctl = [nethost, "ctl", "-s", sock, "upstreams", instance, "--json"]
    held = {}
    for _ in range(3):
        s, up = one(host, port)
        if up is None or up in held:
            fail("3 held connections should reach 3 upstreams, got %s then %s" % (sorted(held), up))
        held[up] = s
    for rnd in range(2):
        gone = sorted(held)[1 + rnd]  # the middle one, then the last
        held.pop(gone).close()
        # The forwarder counts it gone once both sides closed (ours, then
        # the server thread's): a while on a loaded machine.
        deadline = time.monotonic() + 10
        while active(ctl, gone) != 0:
            if time.monotonic() > deadline:
                fail("round %d: upstream %d still has a connection 10 s after its client closed" % (rnd, gone))
            time.sleep(0.05)
        s, up = one(host, port)
        if up != gone:
            fail("round %d: upstream %d had the fewest, the client went to %s" % (rnd, gone, up))
        held[up] = s
    print("ok")


def main():
    a = sys.argv[1:]
    if a[0] == "servers":
        servers(a[1], a[2:])
    elif a[0] == "count":
        proxy = None
        if "--proxy" in a:
            i = a.index("--proxy")
            proxy = a[i + 1]
            del a[i:i + 2]
        count(a[1], a[2], a[3], a[4] if len(a) > 4 else None, proxy)
    elif a[0] == "leastconn":
        leastconn(*a[1:6])
    else:
        fail("unknown command " + a[0])


if __name__ == "__main__":
    main()
