/* icmp plugin: what its files share. Private to plugins/icmp. */
#ifndef NETHOST_ICMP_H
#define NETHOST_ICMP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <netinet/in.h>

#include <nethost/nethost.h>

/* ---- icmp_packet.c: echo build and parse (pure) ----------------------- */

#define ICMP_HDR_LEN 8
/* The largest ICMP message an IPv4 packet holds (65535 - 20). */
#define ICMP_MAX_LEN 65515
/* The largest echo payload: 65535 - 20 (IPv4) - 8 (ICMP). */
#define ICMP_MAX_PAYLOAD 65507

/* What icmp_parse() made of a buffer. */
enum icmp_kind {
	ICMP_ECHO_REPLY,  /* an echo reply: id, seq, data */
	ICMP_ERROR,       /* unreachable, time exceeded...: id, seq of the echo it quotes */
	ICMP_OTHER,       /* valid ICMP but nothing for us (an echo request, a redirect...) */
	ICMP_TRUNCATED,   /* shorter than its headers say */
	ICMP_BAD_CHECKSUM,
	ICMP_GARBAGE,     /* not ICMP at all (bad IP header, wrong protocol) */
};

struct icmp_msg {
	enum icmp_kind kind;
	int type, code;
	uint16_t id, seq;
	const uint8_t *data; /* echo payload (replies) */
	size_t data_len;
	int ttl;             /* from the IPv4 header when the buffer has one, else -1 */
	int orig_family;     /* ICMP_ERROR: the quoted packet's destination */
	uint8_t orig_dst[16];
};

/* Write an echo request (ICMP type 8 or ICMPv6 type 128) with payload into
 * buf. The IPv4 checksum is set; the ICMPv6 one needs the addresses (see
 * icmp6_set_checksum) and is otherwise left 0 for the kernel, which fills it
 * on every ICMPv6 socket. Returns the length, or 0 if buf is too small. */
size_t icmp_echo_build(int family, uint16_t id, uint16_t seq, const void *payload, size_t plen,
		       uint8_t *buf, size_t buflen);
/* Set the ICMPv6 checksum of pkt over the RFC 8200 pseudo-header. */
void icmp6_set_checksum(uint8_t *pkt, size_t len, const struct in6_addr *src,
			const struct in6_addr *dst);
/* Classify what a socket returned. ip_header: the buffer starts with an
 * IPv4 header (raw IPv4 sockets). Never reads outside buf[0..len). */
enum icmp_kind icmp_parse(int family, int ip_header, const uint8_t *buf, size_t len,
			  struct icmp_msg *m);
const char *icmp_error_text(int family, int type, int code);

/* ---- tcp_packet.c: IPv4 + TCP, or TCP for IPv6, for synprobe (pure) --- */

enum {
	TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_PSH = 0x08, TCP_ACK = 0x10,
};

struct tcp_segment {
	struct in_addr src, dst; /* IPv4 only; IPv6 addresses are passed apart */
	uint16_t sport, dport; /* host byte order */
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t window;
	uint16_t ip_id;
	uint8_t ttl;
};

#define TCP_PROBE_MAX_LEN 44 /* IPv4 20 + TCP 20 + MSS option 4 */

/* Write an IPv4 header and a TCP header (with an MSS option on SYNs), both
 * checksummed (TCP over the pseudo-header). Returns the length or 0. */
size_t tcp_segment_build(const struct tcp_segment *s, uint8_t *buf, size_t buflen);
/* Read the IPv4 and TCP headers of a received packet. 0, or -EINVAL
 * (not IPv4/TCP, truncated). The TCP checksum is not verified: loopback
 * hands raw sockets segments whose checksum the NIC "will" fill. */
int tcp_segment_parse(const uint8_t *buf, size_t len, struct tcp_segment *s);
/* A TCP header alone (MSS option on SYNs) for a raw IPv6 socket, which
 * writes the IPv6 header itself, checksummed over the IPv6 pseudo-header
 * of src and dst (the addresses the kernel will put there). s's IPv4
 * fields are ignored. Returns the length or 0 (buflen too small). */
size_t tcp6_segment_build(const struct tcp_segment *s, const struct in6_addr *src,
			  const struct in6_addr *dst, uint8_t *buf, size_t buflen);
/* Read a TCP header alone, as a raw IPv6 socket receives it (addresses
 * come from recvfrom and the socket's binding). 0, or -EINVAL
 * (truncated, bad data offset). Checksum not verified, as above. */
int tcp6_segment_parse(const uint8_t *buf, size_t len, struct tcp_segment *s);

/* ---- icmp_socket.c: datagram or raw ICMP sockets ---------------------- */

enum icmp_sock_kind {
	ICMP_SOCK_AUTO,  /* datagram if the kernel allows, else raw */
	ICMP_SOCK_DGRAM, /* unprivileged: net.ipv4.ping_group_range */
	ICMP_SOCK_RAW,   /* CAP_NET_RAW */
};

struct icmp_sock {
	int fd;
	int family;
	enum icmp_sock_kind kind; /* what was opened: DGRAM or RAW */
	uint16_t id;              /* echo id: the kernel's for DGRAM, ours for RAW */
};

/* One received datagram, classified. */
struct icmp_rx {
	struct icmp_msg msg;
	nh_addr from;
	int ttl;            /* ttl or hop limit, -1 unknown */
	int64_t stamp_ns;   /* kernel receive time, CLOCK_REALTIME, 0 if none */
	size_t len;         /* ICMP bytes (without an IP header) */
};

/* Parse "auto", "dgram", "raw"; -EINVAL otherwise. */
int icmp_sock_kind_parse(const char *text, enum icmp_sock_kind *out);
const char *icmp_sock_kind_name(enum icmp_sock_kind kind);
/* Open a non-blocking ICMP socket for family; kernel filters set so only
 * replies and errors arrive. Says which privilege is missing when neither
 * kind is allowed. 0 or -errno with err filled. */
int icmp_sock_open(struct icmp_sock *s, int family, enum icmp_sock_kind kind, nh_error *err);
/* The same, sending from src (port 0, family's own; NULL: any address). */
int icmp_sock_open_from(struct icmp_sock *s, int family, enum icmp_sock_kind kind,
			const nh_addr *src, nh_error *err);
void icmp_sock_close(struct icmp_sock *s);
/* TTL (IPv4) or unicast hop limit (IPv6) of what s sends; 0 or -errno. */
int icmp_sock_set_ttl(struct icmp_sock *s, int ttl);
/* IPv4 TOS byte or IPv6 traffic class; 0 or -errno. */
int icmp_sock_set_tos(struct icmp_sock *s, int tos);
/* Path MTU discovery: IP_PMTUDISC_DO, _WANT or _DONT (the IPv6 values are
 * the same); 0 or -errno. */
int icmp_sock_set_pmtudisc(struct icmp_sock *s, int mode);
/* SO_MARK (CAP_NET_ADMIN); 0 or -errno. */
int icmp_sock_set_mark(struct icmp_sock *s, uint32_t mark);
/* Send and receive through ifname only (SO_BINDTODEVICE); 0 or -errno. */
int icmp_sock_bind_device(struct icmp_sock *s, const char *ifname);
/* Receive and classify one datagram: 0, -EAGAIN when none is left, or
 * -errno. buf must hold ICMP_MAX_LEN + 60 bytes. */
int icmp_sock_recv(struct icmp_sock *s, uint8_t *buf, size_t buflen, struct icmp_rx *rx);
/* Send an echo request; 0 or -errno (-EAGAIN: the send buffer is full). */
int icmp_sock_send(struct icmp_sock *s, const nh_addr *to, const uint8_t *pkt, size_t len);
/* The bytes of an address (4 or 16) in an nh_addr. */
const uint8_t *icmp_addr_bytes(const nh_addr *a);

/* ---- sweep.c: the sweep engine shared by `sweep` and [icmp NAME] ------ */

struct sweep;

/* One probe's outcome: rtt_us and ttl for an answer, rtt_us -1 for a
 * probe that timed out. */
typedef void (*sweep_probe_cb)(size_t host, int64_t rtt_us, int ttl, void *arg);

struct sweep_params {
	int64_t timeout_ms;  /* per probe */
	int retries;         /* probes after the first */
	long rate;           /* packets per second, all targets together */
	enum icmp_sock_kind sock_kind;
	size_t enough;       /* end a round once this many answered (0: never) */
	sweep_probe_cb on_probe; /* optional */
	void *probe_arg;
};

struct sweep_host {
	uint8_t addr[16];
	uint8_t family;
	uint8_t tries;      /* probes sent this round */
	uint8_t alive;      /* answered this round */
	uint8_t gave_up;    /* this round: every probe timed out */
	int8_t prev;        /* last round: -1 none yet, 0 inactive, 1 alive */
	uint32_t rtt_us;    /* this round's first answer */
	int16_t ttl;        /* that answer's TTL or hop limit, -1 unknown */
	/* Since the start, for the service's RTT summary. */
	uint64_t sent, answered;
	uint64_t rtt_sum_us;
	uint32_t rtt_min_us, rtt_max_us;
};

struct sweep_round {
	uint64_t sent, replies, strays, errors;
	int64_t started_us, elapsed_us;
	size_t alive, inactive;
	size_t undecided;    /* not waited for: the round had `enough` alive */
};

/* Called when a round has ended; the hosts' alive/prev fields say what
 * changed. */
typedef void (*sweep_done_cb)(struct sweep *sw, const struct sweep_round *r, void *arg);

/* Parse targets (hosts, CIDRs, ranges; names are resolved) into a new
 * sweep. NULL with err filled. */
struct sweep *sweep_new(nh_loop *loop, char *const *targets, int ntargets,
			const struct sweep_params *p, nh_error *err);
/* Open the sockets the targets need. 0 or -errno with err filled. */
int sweep_open(struct sweep *sw, nh_error *err);
/* Start one round; cb runs once at its end. 0 or -errno. */
int sweep_start_round(struct sweep *sw, sweep_done_cb cb, void *arg);
/* Cancel a round in progress (no callback) and close the sockets. */
void sweep_close(struct sweep *sw);
void sweep_free(struct sweep *sw);
size_t sweep_count(const struct sweep *sw);
struct sweep_host *sweep_host(struct sweep *sw, size_t i);
/* "10.0.2.3" */
char *sweep_host_format(const struct sweep_host *h, char *buf, size_t len);

/* ---- HTTP probes (http_probe.c) ----------------------------------------- */

/* Probes of http:// and https:// URLs through libcurl, on a loop. */
struct http_probes;
struct http_probe;

struct http_probe_result {
	int ok;         /* a 2xx answer, body read in full */
	int complete;   /* an answer (any status), body read in full */
	int timed_out;  /* the timeout ended it */
	long code;      /* HTTP status, 0 when none came */
	uint64_t body;  /* bytes of body read */
	double seconds; /* from the start to the end of the answer */
	char error[256]; /* why not ok */
	/* The body's first bytes (http_probe_keep_body()), NUL-terminated;
	 * NULL when not kept. Valid during the callback only. */
	const char *text;
	/* Where the time went (seconds from the start, libcurl's marks; 0
	 * for a mark not reached): name resolved, connected, TLS done, first
	 * byte of the answer. */
	double resolved, connected, tls_done, first_byte;
	long redirects;         /* followed (http_probe_follow()) */
	int http_version;       /* 10, 11, 20, 30; 0 none */
	int64_t content_length; /* the Content-Length header, -1 none */
	int tls;                /* the last URL was https */
	char ip[INET6_ADDRSTRLEN]; /* the address connected to, "" none */
};

/* Called once per probe that was not cancelled; the probe is gone by
 * then. It may start and cancel probes, not free the set. */
typedef void (*http_probe_cb)(const struct http_probe_result *r, void *arg);

/* 1 when text starts with http:// or https:// (case-insensitive). */
int http_target(const char *text);
/* 0 when url is an http(s) URL with a host, else -EINVAL with err. */
int http_url_check(const char *url, nh_error *err);
struct http_probes *http_probes_new(nh_loop *loop);
/* GET url, all of it within timeout_ms. NULL with errno set. */
struct http_probe *http_probe_start(struct http_probes *hp, const char *url, int64_t timeout_ms,
				    http_probe_cb cb, void *arg);
/* Keep the first max bytes of the body for the result's text (before the
 * loop runs again). 0 or -ENOMEM. */
int http_probe_keep_body(struct http_probe *p, size_t max);
/* What http_probe_start_opts() can change. */
struct http_probe_opts {
	long max_redirects;     /* followed (0: none, the default) */
	/* Connect to this address for pin_host:pin_port instead of
	 * resolving it (the caller resolved it already); NULL: resolve. */
	const char *pin_host, *pin_addr;
	int pin_port;
};
struct http_probe *http_probe_start_opts(struct http_probes *hp, const char *url,
					 int64_t timeout_ms, const struct http_probe_opts *opts,
					 http_probe_cb cb, void *arg);
/* The host (without brackets) and port (the scheme's when none) of an
 * http(s) URL; 0 or -EINVAL with err. */
int http_url_host(const char *url, char *host, size_t hostlen, int *port, nh_error *err);
/* Abort a probe in flight (no callback). NULL is ignored. */
void http_probe_cancel(struct http_probe *p);
/* Cancel every probe and free the set. NULL is ignored. */
void http_probes_free(struct http_probes *hp);

/* ---- DNS probes (dns_probe.c) ------------------------------------------ */

/* getaddrinfo() in a child process, answered on the loop. */
struct dns_probe;

#define DNS_PROBE_MAX_ADDRS 16

struct dns_probe_result {
	int ok;         /* the name resolved */
	int naddrs;     /* distinct addresses, in the resolver's order */
	char addrs[DNS_PROBE_MAX_ADDRS][INET6_ADDRSTRLEN];
	char error[128]; /* why not ok: gai_strerror()'s text */
};

/* Called once per probe that was not cancelled; the probe is gone by then. */
typedef void (*dns_probe_cb)(const struct dns_probe_result *r, void *arg);

/* Resolve name (any family, no deadline of its own). NULL with errno. */
struct dns_probe *dns_probe_start(nh_loop *loop, const char *name, dns_probe_cb cb, void *arg);
/* Kill and reap the resolver (no callback). NULL is ignored. */
void dns_probe_cancel(struct dns_probe *p);

/* ---- the commands and the service ------------------------------------- */

int ping_cmd(nh_ctx *ctx, int argc, char **argv);
int sweep_cmd(nh_ctx *ctx, int argc, char **argv);
int wait_cmd(nh_ctx *ctx, int argc, char **argv);
int synprobe_cmd(nh_ctx *ctx, int argc, char **argv);

int icmp_service_create(nh_ctx *ctx, const nh_section *sec, void **state);
int icmp_service_start(void *state);
void icmp_service_stop(void *state);
void icmp_service_destroy(void *state);
void icmp_service_report(void *state);

/* ---- icmp_targets.c: each target's recent results; `nethost ctl targets` */

/* Results kept per target: a fixed ring of 16 (152 bytes a target with
 * its header: a /16 sweep keeps 10 MB of them). */
#define ICMP_RECENT 16

struct icmp_result {
	uint32_t at;    /* unix seconds */
	int32_t rtt_us; /* -1: no answer (for a URL: not a 2xx in time) */
};

struct icmp_target_log {
	int8_t state;   /* -1 not probed yet, 0 down, 1 up */
	uint8_t next;   /* ring slot the next result goes to */
	uint8_t count;  /* results held, up to ICMP_RECENT */
	int64_t since;  /* unix seconds of the last change of state (the first result's) */
	int64_t last_rtt_us; /* the last answer's, -1 none yet */
	struct icmp_result ring[ICMP_RECENT];
};

/* One round's outcome for a target: up with rtt_us, or down (rtt_us -1). */
void icmp_target_log_add(struct icmp_target_log *t, int up, int64_t rtt_us, time_t now);

/* What `targets` shows of one target. */
struct icmp_target_view {
	const char *name;   /* the address or URL */
	const struct icmp_target_log *log;
	uint64_t sent, answered; /* probes since the start (URLs: rounds, good ones) */
	const char *error;  /* a URL's last failure, or NULL */
};

/* icmp_service.c: fn for every target of a running [icmp NAME], in
 * config order (swept hosts, then URLs); the instance's round count and
 * interval in *rounds and *every_ms. */
void icmp_service_each_target(void *state, void (*fn)(const struct icmp_target_view *v, void *arg),
			      void *arg, unsigned long *rounds, int64_t *every_ms);

/* ---- icmp_hist.c: the RTT histograms' bucket bounds (rtt_buckets) ------- */

/* At most NH_HISTOGRAM_MAX_BUCKETS (the SDK's limit). */
#define ICMP_HIST_MAX_BUCKETS 32
/* Targets with a histogram, the first ones in config order (swept hosts,
 * then URLs): each is 20 series with the default buckets, and a full
 * /metrics must stay fast (bench/http.sh). */
#define ICMP_HIST_MAX_TARGETS 1024

struct icmp_hist_conf {
	double bounds[ICMP_HIST_MAX_BUCKETS]; /* upper bounds, seconds, ascending */
	int n;
};

/* rtt_buckets, or the defaults (50us to 10s); -EINVAL after reporting. */
int icmp_hist_conf(const nh_section *sec, struct icmp_hist_conf *hc);

/* The control commands of [icmp NAME] (ABI 2.1). */
extern const struct nh_ctl_command icmp_ctl_commands[];

/* The longest duration a command option takes (1 day): far from where
 * a deadline in microseconds would overflow. */
#define ICMP_MAX_DURATION_MS (24LL * 3600 * 1000)

/* key: milliseconds with microsecond digits, from us. */
void icmp_json_add_ms(struct json_object *obj, const char *key, int64_t us);

#endif
