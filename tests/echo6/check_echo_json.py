#!/usr/bin/env python3
"""Check `nethost echo6|unixipc send --json` NDJSON on stdin against the
schema in nethost(8), JSON OUTPUT. Arguments: PEER, then the records
wanted: echo:BYTES:MESSAGE (MESSAGE "-" for the generated one, null),
error:BYTES, summary:SENT:INTACT."""
import json
import sys

peer, wanted = sys.argv[1], sys.argv[2:]
lines = sys.stdin.read().splitlines()
if len(lines) != len(wanted):
    sys.exit(f"{len(lines)} records, want {len(wanted)}: {lines}")
FIELDS = {
    "echo": {"type", "peer", "seq", "bytes", "message", "time_ms"},
    "error": {"type", "peer", "seq", "bytes", "error"},
    "summary": {"type", "peer", "sent", "intact", "rtt_min_ms", "rtt_avg_ms", "rtt_max_ms"},
}
for n, (line, want) in enumerate(zip(lines, wanted), 1):
    rec = json.loads(line)
    kind, *args = want.split(":", 2)
    if rec.get("type") != kind or set(rec) != FIELDS[kind]:
        sys.exit(f"record {n}: want a {kind} record with {sorted(FIELDS[kind])}: {line}")
    if rec["peer"] != peer:
        sys.exit(f"record {n}: peer {rec['peer']!r}, want {peer!r}")
    if kind == "echo":
        message = None if args[1] == "-" else args[1]
        if rec["seq"] != n or rec["bytes"] != int(args[0]) or rec["message"] != message:
            sys.exit(f"record {n}: want seq {n}, {args[0]} bytes, message {message!r}: {line}")
        if not isinstance(rec["time_ms"], (int, float)) or rec["time_ms"] < 0:
            sys.exit(f"record {n}: bad time_ms: {line}")
    elif kind == "error":
        if rec["bytes"] != int(args[0]) or not rec["error"]:
            sys.exit(f"record {n}: want {args[0]} bytes and an error text: {line}")
    else:
        if rec["sent"] != int(args[0]) or rec["intact"] != int(args[1]):
            sys.exit(f"record {n}: want sent {args[0]}, intact {args[1]}: {line}")
        rtt = (rec["rtt_min_ms"], rec["rtt_avg_ms"], rec["rtt_max_ms"])
        if rec["intact"] and not 0 <= rtt[0] <= rtt[1] <= rtt[2]:
            sys.exit(f"record {n}: rtt not min <= avg <= max: {line}")
