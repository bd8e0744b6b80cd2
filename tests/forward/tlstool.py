#!/usr/bin/env python3
"""TLS and HTTP peers for tests/forward/test_forward_tls.sh (loopback only).

  vhost PORT CERT KEY SNI HOST [plain]  name-based virtual host: 200 only for
        Host: HOST (and, over TLS, SNI == SNI), keep-alive, Content-Length and
        chunked bodies; the answer names the body's sha256. Logs one line a
        connection ("conn sni=...") to stdout.
  echo PORT CERT KEY      TLS echo; at the client's EOF (close_notify) sends
        what it got back and closes; a line "RST" makes it reset.
  bulk PORT CA NAME MB    TLS client: MB each way through an echo, checked.
  pipeline PORT N         plain client: N requests in one write, N answers.
  serial PORT CA NAME     the serial number of the certificate served.
  hold PORT CA NAME SECS  echo exchange, SECS pause, another on the same connection.
  halfclose PORT CA NAME  send, close_notify, read the echo to its end.
"""
import hashlib
import os
import select
import socket
import ssl
import struct
import sys
import threading
import time


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def listener(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(128)
    return s


def server_ctx(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


class Reader:
    def __init__(self, sock):
        self.s, self.buf = sock, b""

    def fill(self):
        data = self.s.recv(65536)
        if not data:
            return False
        self.buf += data
        return True

    def line(self):
        while b"\r\n" not in self.buf:
            if not self.fill():
                return None
        i = self.buf.index(b"\r\n")
        out, self.buf = self.buf[:i], self.buf[i + 2:]
        return out

    def exactly(self, n):
        while len(self.buf) < n:
            if not self.fill():
                return None
        out, self.buf = self.buf[:n], self.buf[n:]
        return out


def vhost_conn(c, sni, want_sni, want_host):
    r = Reader(c)
    while True:
        req = r.line()
        if req is None:
            return
        headers = {}
        while True:
            h = r.line()
            if h is None:
                return
            if h == b"":
                break
            k, _, v = h.partition(b":")
            headers.setdefault(k.strip().lower(), []).append(v.strip())
        body = hashlib.sha256()
        n = 0
        if headers.get(b"transfer-encoding", [b""])[0].lower() == b"chunked":
            while True:
                size = int(r.line().split(b";")[0], 16)
                if size == 0:
                    while r.line() not in (b"", None):
                        pass
                    break
                body.update(r.exactly(size))
                n += size
                r.line()
        elif b"content-length" in headers:
            n = int(headers[b"content-length"][0])
            body.update(r.exactly(n))
        hosts = headers.get(b"host", [])
        if want_sni is not None and sni != want_sni:
            status, text = "421 Misdirected Request", "sni=%s" % sni
        elif hosts != [want_host.encode()]:
            status, text = "404 Not Found", "wrong host %r" % hosts
        else:
            status, text = "200 OK", "ok %s n=%d sha256=%s" % (req.split()[1].decode(), n,
                                                              body.hexdigest())
        text += "\n"
        c.sendall(("HTTP/1.1 %s\r\nContent-Length: %d\r\n\r\n%s" %
                   (status, len(text), text)).encode())


def vhost(port, cert, key, want_sni, want_host, plain=""):
    ls = listener(port)
    ctx = None if plain else server_ctx(cert, key)
    def note_sni(sslsock, name, _ctx):
        sslsock.sni_name = name

    if ctx:
        ctx.sni_callback = note_sni
    print("ready", flush=True)
    while True:
        c, _ = ls.accept()

        def run(c=c):
            try:
                sni = None
                if ctx:
                    c = ctx.wrap_socket(c, server_side=True)
                    sni = getattr(c, "sni_name", None)
                print("conn sni=%s" % sni, flush=True)
                vhost_conn(c, sni, None if plain else want_sni, want_host)
            except (OSError, ValueError, AttributeError) as e:
                print("conn error %s" % e, flush=True)
            finally:
                c.close()
        threading.Thread(target=run, daemon=True).start()


def echo(port, cert, key):
    ls = listener(port)
    ctx = server_ctx(cert, key)
    print("ready", flush=True)
    while True:
        c, _ = ls.accept()

        def run(c=c):
            try:
                t = ctx.wrap_socket(c, server_side=True)
                got = b""
                while True:
                    data = t.recv(65536)
                    if not data:
                        break
                    if data == b"RST\n":
                        t.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                        t.close()
                        return
                    got += data
                t.sendall(got)
                t.close()
            except OSError as e:
                print("echo error %s" % e, flush=True)
        threading.Thread(target=run, daemon=True).start()


def bulk(port, ca, name, mb):
    # One thread: an SSL object must not be read and written at once.
    ctx = ssl.create_default_context(cafile=ca)
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=20),
                        server_hostname=name)
    s.setblocking(False)
    block = os.urandom(1 << 20)
    want = hashlib.sha256(block * mb).hexdigest()
    got, n, sent, total = hashlib.sha256(), 0, 0, mb << 20
    while n < total:
        wr = [s] if sent < total else []
        select.select([s], wr, [], 20)
        if sent < total:
            try:
                off = sent % len(block)
                sent += s.send(block[off:off + 65536])
            except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
                pass
        try:
            while True:
                data = s.recv(1 << 16)
                if not data:
                    fail("bulk: EOF after %d of %d bytes" % (n, total))
                got.update(data)
                n += len(data)
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            pass
    if got.hexdigest() != want:
        fail("bulk: %d bytes back, sha256 differs" % n)
    print("bulk ok %d MB each way %s" % (mb, s.version()))


def serial(port, ca, name):
    ctx = ssl.create_default_context(cafile=ca)
    with ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10),
                         server_hostname=name) as s:
        return s.getpeercert()["serialNumber"]


def hold(port, ca, name, secs):
    """An echo exchange, a pause, another: the connection outlives a reload."""
    ctx = ssl.create_default_context(cafile=ca)
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=20),
                        server_hostname=name)
    for word in (b"before\n", b"after\n"):
        s.sendall(word)
        if s.recv(100) != word:
            fail("hold: no echo of %r" % word)
        if word == b"before\n":
            print("ready serial=%s" % s.getpeercert()["serialNumber"], flush=True)
            time.sleep(secs)
    print("hold ok", flush=True)


def halfclose(port, ca, name):
    """Send, then close_notify (our write side only), read the echo to its end.
    Memory BIOs: the TLS object is driven by hand, so that reading goes on
    after our close_notify is out."""
    ctx = ssl.create_default_context(cafile=ca)
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    rbio, wbio = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(rbio, wbio, server_hostname=name)

    def flush():
        data = wbio.read()
        if data:
            sock.sendall(data)

    def feed():
        data = sock.recv(65536)
        if data:
            rbio.write(data)
        else:
            rbio.write_eof()
    while True:
        try:
            obj.do_handshake()
            break
        except ssl.SSLWantReadError:
            flush()
            feed()
    flush()
    msg = os.urandom(300000)
    obj.write(msg)
    flush()
    try:
        obj.unwrap()  # sends close_notify, then wants the peer's
    except ssl.SSLWantReadError:
        pass
    flush()
    back = b""
    while True:
        try:
            back += obj.read(65536)
        except ssl.SSLWantReadError:
            feed()
        except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
            break
    if back != msg:
        fail("halfclose: got %d bytes back of %d" % (len(back), len(msg)))
    print("halfclose ok")


def pipeline(port, n):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    reqs = b"".join(b"GET /p%d HTTP/1.1\r\nHost: localhost\r\n\r\n" % i for i in range(n))
    s.sendall(reqs)
    r = Reader(s)
    for i in range(n):
        status = r.line()
        length = 0
        while True:
            h = r.line()
            if h is None:
                fail("pipeline: answer %d cut" % i)
            if h == b"":
                break
            if h.lower().startswith(b"content-length:"):
                length = int(h.split(b":")[1])
        body = r.exactly(length)
        if not status.startswith(b"HTTP/1.1 200") or (b"/p%d " % i) not in body:
            fail("pipeline: answer %d: %r %r" % (i, status, body))
    print("pipeline ok %d" % n)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "vhost":
        vhost(int(args[0]), *args[1:])
    elif cmd == "echo":
        echo(int(args[0]), args[1], args[2])
    elif cmd == "bulk":
        bulk(int(args[0]), args[1], args[2], int(args[3]))
    elif cmd == "serial":
        print(serial(int(args[0]), args[1], args[2]))
    elif cmd == "hold":
        hold(int(args[0]), args[1], args[2], float(args[3]))
    elif cmd == "halfclose":
        halfclose(int(args[0]), args[1], args[2])
    elif cmd == "pipeline":
        pipeline(int(args[0]), int(args[1]))
    else:
        fail("unknown command " + cmd)


if __name__ == "__main__":
    main()
