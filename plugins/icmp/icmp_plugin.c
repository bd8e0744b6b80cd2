/* icmp: the plugin descriptor. The work lives in a file per command. */
#include "icmp.h"

static const struct nh_conf_key icmp_service_keys[] = {
	{ .name = "targets", .help = "hosts, CIDRs, ranges or http(s):// URLs, separated by commas or spaces", .multi = 1 },
	{ .name = "every", .help = "time from one round's start to the next (default 60s, at least 100ms)" },
	{ .name = "timeout", .help = "wait for each answer; for a URL, the whole 2xx answer (default 1s)" },
	{ .name = "retries", .help = "probes after the first to a silent host or failing URL, 0-10 (default 2)" },
	{ .name = "rate", .help = "probes per second, all targets together (default 1000)" },
	{ .name = "socket", .help = "auto (default), dgram or raw" },
	{ .name = "rtt_buckets", .help = "RTT histogram bucket bounds, ascending (50us 2.5ms 1s; default 50us 100us 250us ... 5s 10s)", .multi = 1 },
	{ .name = NULL },
};

static const struct nh_command icmp_commands[] = {
	{ "ping",
	  "ping [-4|-6] [-c COUNT] [-i INTERVAL] [-W TIMEOUT] [-w DEADLINE] [-s SIZE] [-t TTL]\n"
	  "     [-Q TOS] [-p PATTERN] [-I IFACE|ADDR] [-m MARK] [-M do|want|dont] [-D] [-O] [-n] [-q]\n"
	  "     [-l PRELOAD] [-A] [-f] [--json] [-S KIND] HOST\n"
	  "  -4, -6              use IPv4 / IPv6 only when resolving HOST\n"
	  "  -c, --count COUNT   send COUNT probes, then wait for their replies (default: until Ctrl-C)\n"
	  "  -i, --interval I    time between probes (default 1s; at least 1ms as root, 2ms otherwise)\n"
	  "  -W, --timeout T     after the last probe, wait this long for replies when none came\n"
	  "                      (default 10s); after a reply, 2 x the longest RTT (at least -i)\n"
	  "  -s, --size SIZE     payload bytes (0-65507, default 56; 1k = 1024)\n"
	  "  -q, --quiet         print the summary only\n"
	  "  -t, --ttl TTL       IP time to live, IPv6 hop limit (0-255)\n"
	  "  -Q, --tos TOS       IPv4 TOS byte, IPv6 traffic class (0-255, decimal)\n"
	  "  -p, --pattern HEX   fill the payload with 1-16 bytes given as hex pairs (\"ff00\")\n"
	  "  -I, --interface I   send through interface I, or from address I\n"
	  "  -m, --mark MARK     SO_MARK the probes (0-4294967295; needs CAP_NET_ADMIN)\n"
	  "  -M, --pmtudisc M    path MTU discovery: do (never fragment), want, dont\n"
	  "  -l, --preload N     send N probes at once to start (at most 3 unless root)\n"
	  "  -w, --deadline D    stop after D whatever was sent; with -c, probe until COUNT replies\n"
	  "  -D, --timestamps    [seconds.microseconds] before each line\n"
	  "  -O, --outstanding   say \"no answer yet for icmp_seq=N\" when the next probe goes out\n"
	  "  -n, --numeric       no reverse names (looked up only when HOST is a name)\n"
	  "  -A, --adaptive      the next probe goes when the reply comes, else after the RTT\n"
	  "  -f, --flood         root: '.' per probe, a backspace per reply; without -i a probe\n"
	  "                      per reply or error, or 100 a second, whichever is more\n"
	  "      --json          NDJSON: a record per reply, timeout and error, then a summary\n"
	  "  -S, --socket KIND   auto (default: datagram if allowed, else raw), dgram or raw\n"
	  "Durations: 250ms, 0.2 (seconds), 2s, 1m (at most 1d). Ctrl-C prints the summary.\n"
	  "A probe that cannot be sent is reported and not counted as transmitted.\n"
	  "Exit: 0 some reply, 1 no reply (or, with -c and -w, fewer than COUNT), 2 usage or socket error.",
	  "ICMP echo to a host, like iputils ping", ping_cmd },
	{ "sweep",
	  "sweep [--timeout T] [--retries N] [--rate PPS] [--every I [--rounds N]] [--json]\n"
	  "      [-a] [-u] [-q] [-S KIND] [-C N] [-x N]\n"
	  "      [--print-ttl] [-o] [-Q SECS] TARGET...\n"
	  "  TARGET is a host (name or address), a CIDR (10.0.2.0/24, 2001:db8::/120)\n"
	  "  or a range (10.0.2.2-4, 10.0.2.2-10.0.3.9, 2001:db8::1-ff); all addresses of\n"
	  "  a CIDR are probed, network and broadcast included.\n"
	  "  -t, --timeout T    wait this long for each answer (default 500ms)\n"
	  "  -r, --retries N    probes after the first to a silent host (0-10, default 1)\n"
	  "  -R, --rate PPS     probes per second, all targets together (default 10000)\n"
	  "  -e, --every I      sweep again every I and print only changes (Ctrl-C ends)\n"
	  "  -n, --rounds N     with --every: stop after N sweeps\n"	  "  -o, --outage       with --every: at the end, a line per host as fping -c -o\n"
	  "                     (sweeps sent/answered, outage = missed sweeps x I)\n"	  "  -Q, --squiet SECS  with --every: every SECS, \"[HH:MM:SS]\" and that line per\n"
	  "                     host for the sweeps since the last one (fping -Q)\n"
	  "  -j, --json         NDJSON: a record per reply and timeout, per change with\n"
	  "                     --every, then per host and a summary (see the man page)\n"
	  "  -a, --alive        list the alive hosts (alone: only them)\n"
	  "  -u, --inactive     list the inactive hosts (alone: only them); -a -u: both\n"
	  "  -q, --quiet        print the totals line only\n"
	  "  -S, --socket KIND  auto (default), dgram or raw\n"
	  "  -C, --vcount N     N probes per host, one after the other, and a line per\n"
	  "                     host with each probe's RTT in ms, '-' when lost (fping -C)\n"
	  "  -x, --reachable N  stop as soon as N hosts answered (the rest are not waited\n"
	  "                     for) and say whether N did (fping -X's early stop, with\n"
	  "                     the line fping -x prints)\n"
	  "      --print-ttl    add the answer's TTL (IPv6: hop limit) to each alive line\n"
	  "Exit: 0 every target alive (with -C: answered at least once; with -x: N\n"
	  "answered), 1 some inactive, 2 usage or socket error.",
	  "which hosts of ranges/CIDRs answer ICMP echo (once or periodically)", sweep_cmd },
	{ "wait",
	  "wait [OPTIONS] TARGET... [-- CMD ARGS...]\n"
	  "  TARGET is one of (all tried at once, each retried until ready):\n"
	  "  HOST:PORT  192.0.2.1:80, [2001:db8::1]:80 or name:80 (names resolved each try\n"
	  "             until they resolve): ready when it accepts a TCP connection.\n"
	  "  URL        http://HOST[:PORT]/PATH or https://...: ready when a GET is answered\n"
	  "             with an expected status, body read in full (redirects are not\n"
	  "             followed). Other schemes are refused.\n"
	  "  dns:NAME[=ADDR]  ready when NAME resolves (to ADDR, when given).\n"
	  "  -t, --timeout T    give up after T (default 30s)\n"
	  "  -i, --interval I   time between attempts (default 1s); a TCP attempt lasts at\n"
	  "                     most max(I, 1s), an HTTP or DNS one the time left; none\n"
	  "                     lasts past the deadline\n"
	  "      --invert       wait until every target stops answering instead (connection\n"
	  "                     refused or timed out, URL not answering as expected, name not\n"
	  "                     resolving to what was asked)\n"
	  "      --expect-status LIST  URL statuses that count, e.g. 200,204,300-399 (2xx)\n"
	  "      --expect-body REGEX   the body (its first MiB) must match this POSIX\n"
	  "                     extended regular expression\n"
	  "      --json         NDJSON: a record per target when ready or at the deadline,\n"
	  "                     then a summary (schema: nethost(8), WAIT)\n"
	  "  -q, --quiet        print nothing on success\n"
	  "  -- CMD ARGS...     once every target is ready, run CMD in place of nethost\n"
	  "Exit: 0 every target was ready, 1 the deadline passed first (the others are\n"
	  "named on stderr with the last error), 2 usage error; after --, CMD's own\n"
	  "status (127: CMD could not be run) once ready.\n"
	  "Example: nethost wait -t 1m db:5432 http://127.0.0.1:8080/health -- ./start-app",
	  "wait until TCP services, URLs and names are ready (or gone), then run a command",
	  wait_cmd },
	{ "synprobe",
	  "synprobe [--timeout T] [--retries N] [--rate N] [--json] HOST PORT...\n"
	  "  PORT is 80, 8000-8010 or 22,80,8000-8100 (1-65535). IPv4 or IPv6; needs root\n"
	  "  or CAP_NET_RAW. Sends hand-built TCP SYNs (raw socket: IP_HDRINCL on IPv4, the\n"
	  "  TCP header alone on IPv6) and classifies each port:\n"
	  "  open (SYN/ACK, then reset by us), closed (RST) or filtered (no answer).\n"
	  "  -t, --timeout T    wait this long after the last SYN of a round (default 1s)\n"
	  "  -r, --retries N    SYNs again to silent ports (0-10, default 1)\n"
	  "  -R, --rate N       at most N SYNs a second (1-1000000, default 64000)\n"
	  "  -j, --json         print a JSON object\n"
	  "Exit: 0 some port open, 1 none open, 2 usage, permission or socket error.",
	  "half-open TCP SYN probe of ports (raw socket)", synprobe_cmd },
	{ NULL, NULL, NULL, NULL },
};

NH_PLUGIN_DEFINE(
	.name = "icmp",
	.version = "1.0",
	.summary = "ICMP ping and sweeps, TCP wait and SYN probes",
	.keys = icmp_service_keys,
	.create = icmp_service_create,
	.start = icmp_service_start,
	.stop = icmp_service_stop,
	.destroy = icmp_service_destroy,
	.report = icmp_service_report,
	.commands = icmp_commands,
	.ctl_commands = icmp_ctl_commands,
);
