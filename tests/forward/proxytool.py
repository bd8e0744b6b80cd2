#!/usr/bin/env python3
"""PROXY protocol peers for the forward tests (written from the spec, not
from nethost's code, so that each side checks the other).

  proxytool.py receiver HOST PORT       record what each client sends; once it
                                        shuts down its writes, send it all back
                                        hex-encoded, then close (ready line)
  proxytool.py expect v1|v2|none HOST PORT [FROM] [--dst ADDR:PORT] [--late S] [--empty]
                                        connect (from FROM), send a payload
                                        (S seconds after connecting; none at
                                        all with --empty); the receiver
                                        behind must have got exactly the
                                        header for our address and ADDR:PORT
                                        (default HOST:PORT), then the payload
  proxytool.py send HOST PORT HEX [PAUSE]
                                        send bytes (PAUSE s after the first
                                        half), shut down, print what comes
                                        back: "reply HEX", "closed" or "reset"
  proxytool.py client HOST PORT [FROM]  send a payload through a chain whose
                                        last hop is a receiver; print the
                                        PROXY header it got, parsed:
                                        "v1 SRC SPORT DST DPORT" or "v2 ..."
  proxytool.py v1|v2 SRC SPORT DST DPORT  print the header for those, in hex
"""
import ipaddress
import socket
import struct
import sys
import threading
import time

SIG2 = b"\r\n\r\n\x00\r\nQUIT\n"
PAYLOAD = b"payload \x00\r\n after the header\n"


def fail(msg):
    print("proxytool: " + msg, file=sys.stderr)
    sys.exit(1)


def fam(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def connect(host, port, source=None, timeout=10):
    s = socket.socket(fam(host), socket.SOCK_STREAM)
    s.settimeout(timeout)
    if source:
        s.bind((source, 0))
    s.connect((host, int(port)))
    return s


def read_all(s):
    out = b""
    while True:
        d = s.recv(65536)
        if not d:
            return out
        out += d


def header(version, src, sport, dst, dport):
    a, b = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    if a.version == 6 and a.ipv4_mapped:
        a = a.ipv4_mapped
    if b.version == 6 and b.ipv4_mapped:
        b = b.ipv4_mapped
    if version == "v1":
        return ("PROXY TCP%d %s %s %d %d\r\n" % (a.version, a, b, sport, dport)).encode()
    body = a.packed + b.packed + struct.pack("!HH", sport, dport)
    return SIG2 + bytes([0x21, 0x11 if a.version == 4 else 0x21]) + struct.pack("!H", len(body)) + body


def parse(data):
    """The header at the start of data, as text, and the rest."""
    if data.startswith(b"PROXY "):
        end = data.index(b"\r\n")
        f = data[:end].decode().split(" ")
        return "v1 " + " ".join(f[2:6]) if f[1] != "UNKNOWN" else "v1 UNKNOWN", data[end + 2:]
    if data.startswith(SIG2):
        cmd, fam_, ln = data[12], data[13], struct.unpack("!H", data[14:16])[0]
        body, rest = data[16:16 + ln], data[16 + ln:]
        if cmd == 0x20:
            return "v2 LOCAL", rest
        n = 4 if fam_ == 0x11 else 16
        src = ipaddress.ip_address(body[:n])
        dst = ipaddress.ip_address(body[n:2 * n])
        sp, dp = struct.unpack("!HH", body[2 * n:2 * n + 4])
        return "v2 %s %d %s %d" % (src, sp, dst, dp), rest
    return "none", data


def receiver(host, port):
    ls = socket.socket(fam(host), socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, int(port)))
    ls.listen(128)
    print("ready", flush=True)

    def serve(c):
        try:
            c.settimeout(20)
            got = read_all(c)
            c.sendall(got.hex().encode())
        except OSError:
            pass
        finally:
            c.close()

    while True:
        c, _ = ls.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


def through(s, data):
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    return bytes.fromhex(read_all(s).decode())


def expect(version, host, port, source=None, dst=None, late=0.0, payload=PAYLOAD):
    s = connect(host, port, source)
    me = s.getsockname()
    time.sleep(late)
    got = through(s, payload)
    if dst:
        dhost, dport = dst.rsplit(":", 1)
        dhost = dhost.strip("[]")
    else:
        dhost, dport = host, port
    want = payload
    if version != "none":
        want = header(version, me[0], me[1], dhost, int(dport)) + payload
    if got != want:
        fail("upstream got %s, want %s" % (got.hex(), want.hex()))
    hdr = want[:len(want) - len(payload)]
    print("ok " + (hdr.decode().strip() if version == "v1" else hdr.hex() or "none"))


def send(host, port, hexdata, pause=0):
    data = bytes.fromhex(hexdata)
    s = connect(host, port)
    try:
        if pause:
            s.sendall(data[:len(data) // 2])
            time.sleep(float(pause))
            s.sendall(data[len(data) // 2:])
        else:
            s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        got = read_all(s)
    except OSError:  # reset, a broken pipe, or not connected any more
        print("reset")
        return
    print("reply " + got.decode() if got else "closed")


def client(host, port, source=None):
    s = connect(host, port, source)
    got = through(s, PAYLOAD)
    text, rest = parse(got)
    if rest != PAYLOAD:
        fail("payload after the header: %s, want %s" % (rest.hex(), PAYLOAD.hex()))
    print(text, s.getsockname()[1])


def main():
    a = sys.argv[1:]
    if not a:
        fail("usage: see the docstring")
    cmd = a[0]
    if cmd == "receiver":
        receiver(a[1], a[2])
    elif cmd == "expect":
        dst = None
        if "--dst" in a:
            i = a.index("--dst")
            dst = a[i + 1]
            del a[i:i + 2]
        late = 0.0
        if "--late" in a:
            i = a.index("--late")
            late = float(a[i + 1])
            del a[i:i + 2]
        payload = PAYLOAD
        if "--empty" in a:
            a.remove("--empty")
            payload = b""
        expect(a[1], a[2], a[3], a[4] if len(a) > 4 else None, dst, late, payload)
    elif cmd == "send":
        send(a[1], a[2], a[3], a[4] if len(a) > 4 else 0)
    elif cmd == "client":
        client(a[1], a[2], a[3] if len(a) > 3 else None)
    elif cmd in ("v1", "v2"):
        print(header(cmd, a[1], int(a[2]), a[3], int(a[4])).hex())
    else:
        fail("unknown command " + cmd)


if __name__ == "__main__":
    main()
