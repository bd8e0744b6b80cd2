# responder.py PORTFILE [DELAY [PORT]]: HTTP on 127.0.0.1 for the probe
# tests. Writes "ANSWER_PORT HANG_PORT" to PORTFILE once both listen
# (after DELAY seconds, default 0; ANSWER_PORT is PORT when given). ANSWER_PORT serves GET /ok (200), /fail
# (500), /short (Content-Length 100, 10 bytes, then close), anything
# else 404; HANG_PORT accepts connections and never answers.
import http.server, os, socket, sys, threading, time


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/short":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"0123456789")
            self.wfile.flush()
            self.close_connection = True
            return
        code = {"/ok": 200, "/fail": 500}.get(self.path, 404)
        body = b"hello from the responder\n"
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def hang(lsock):
    held = []
    while True:
        conn, _ = lsock.accept()
        held.append(conn)  # never read, never answered, never closed


time.sleep(float(sys.argv[2]) if len(sys.argv) > 2 else 0)
http.server.ThreadingHTTPServer.allow_reuse_address = True
# Clients that give up mid-answer (the probes' deadlines) are expected.
http.server.ThreadingHTTPServer.handle_error = lambda self, request, address: None
port = int(sys.argv[3]) if len(sys.argv) > 3 else 0
server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
server.daemon_threads = True
hl = socket.socket()
hl.bind(("127.0.0.1", 0))
hl.listen(64)
threading.Thread(target=hang, args=(hl,), daemon=True).start()
tmp = sys.argv[1] + ".tmp"
with open(tmp, "w") as f:
    f.write("%d %d\n" % (server.server_address[1], hl.getsockname()[1]))
os.rename(tmp, sys.argv[1])
server.serve_forever()
