/* Addresses, CIDRs, host ranges, sockets, and the Internet checksum.
 *
 * Parsers never resolve names and always say what was wrong, quoting the
 * text, in an nh_error. Socket helpers return non-blocking, close-on-exec
 * fds, or -errno with the reason in the nh_error.
 */
#ifndef NETHOST_SOCK_H
#define NETHOST_SOCK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <nethost/ctx.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An error: the positive errno it stands for and a message for the
 * caller to print as is. A value type, frozen for ABI 2 (callers put it
 * on their stack). */
typedef struct nh_error {
	int code;
	char msg[512];
} nh_error;

/* Fill err (if not NULL) from a printf format, with err->code = code
 * (a positive errno; a negative one is turned positive); returns -code. */
int nh_error_set(nh_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A socket address of either family. */
typedef struct nh_addr {
	union {
		struct sockaddr sa;
		struct sockaddr_in in4;
		struct sockaddr_in6 in6;
		struct sockaddr_storage ss;
	} u;
	socklen_t len;
} nh_addr;

/* Longest text nh_addr_format() writes: "[v6%scope]:65535". */
#define NH_ADDR_STRLEN 72

/* Parse a numeric address: "192.0.2.1", "2001:db8::1", "192.0.2.1:80",
 * "[2001:db8::1]:80", "[fe80::1%eth0]:80". A missing port gives
 * default_port; a port is required when default_port < 0. */
int nh_addr_parse(const char *text, int default_port, nh_addr *out, nh_error *err);
/* Split "host:port" / "[v6]:port" / "host" into host and port without
 * resolving. host gets at most hostlen-1 chars. */
int nh_hostport_split(const char *text, char *host, size_t hostlen, int default_port,
		      int *port, nh_error *err);
/* Resolve "host:port" (names allowed; blocking getaddrinfo: call at start
 * or reload, never on the data path). family: AF_UNSPEC, AF_INET, AF_INET6.
 * Fills up to max addresses; returns how many (>= 1) or -errno. */
int nh_resolve(const char *text, int default_port, int family, int socktype, nh_addr *out,
	       int max, nh_error *err);
/* "192.0.2.1:80", "[2001:db8::1]:80"; without the port when with_port is 0.
 * Returns buf. IPv4-mapped IPv6 addresses print as IPv4. */
char *nh_addr_format(const nh_addr *a, int with_port, char *buf, size_t len);
char *nh_sockaddr_format(const struct sockaddr *sa, socklen_t salen, int with_port,
			 char *buf, size_t len);
int nh_addr_port(const nh_addr *a);
void nh_addr_set_port(nh_addr *a, int port);
/* 1 when both hold the same family, address and port. */
int nh_addr_equal(const nh_addr *a, const nh_addr *b);

/* An IP network: "192.0.2.0/24", "2001:db8::/64"; a bare address is /32
 * or /128. Host bits must be zero unless allow_host_bits. */
typedef struct nh_cidr {
	int family;        /* AF_INET or AF_INET6 */
	uint8_t addr[16];  /* network address, network byte order */
	int prefix;        /* 0..32 or 0..128 */
} nh_cidr;

int nh_cidr_parse(const char *text, int allow_host_bits, nh_cidr *out, nh_error *err);
/* 1 when the address falls inside the network. An IPv4-mapped IPv6
 * address ("::ffff:192.0.2.1", as dual-stack listeners report IPv4
 * clients) matches IPv4 networks. */
int nh_cidr_contains(const nh_cidr *net, const struct sockaddr *sa);
/* Parse a list separated by commas and/or spaces. *out is malloc'd (free
 * it); returns the count (>= 0) or -errno. */
int nh_cidr_list_parse(const char *text, nh_cidr **out, nh_error *err);
/* 1 when any entry contains sa. */
int nh_cidr_list_match(const nh_cidr *list, int n, const struct sockaddr *sa);
char *nh_cidr_format(const nh_cidr *net, char *buf, size_t len);

/* An inclusive range of addresses of one family. Parsed from a host
 * ("10.0.2.2"), a CIDR ("10.0.2.0/24", all its addresses), a last-octet
 * range ("10.0.2.2-4") or a full range ("10.0.2.2-10.0.3.9",
 * "2001:db8::1-2001:db8::ff", or the IPv6 short form "2001:db8::1-ff"). */
typedef struct nh_range {
	int family;
	uint8_t first[16];
	uint8_t last[16];
} nh_range;

int nh_range_parse(const char *text, nh_range *out, nh_error *err);
/* Number of addresses, saturated at UINT64_MAX. */
uint64_t nh_range_count(const nh_range *r);
/* Iterate: set *cursor = r->first's address with nh_range_begin(), then
 * nh_range_next() until it returns 0. */
void nh_range_begin(const nh_range *r, nh_addr *cursor);
int nh_range_next(const nh_range *r, nh_addr *cursor);

/* Listener flags. */
enum {
	NH_SOCK_V6ONLY = 1 << 0,    /* an IPv6 listener that refuses IPv4 clients */
	NH_SOCK_REUSEPORT = 1 << 1, /* SO_REUSEPORT */
	NH_SOCK_FREEBIND = 1 << 2,  /* IP_FREEBIND: bind before the address exists */
};

/* Non-blocking TCP listener. An IPv6 wildcard listener ("[::]:80") is
 * dual-stack unless NH_SOCK_V6ONLY. backlog <= 0 means SOMAXCONN. */
int nh_listen_tcp(const nh_addr *a, int backlog, int flags, nh_error *err);
/* Non-blocking bound UDP socket, same flag rules. */
int nh_bind_udp(const nh_addr *a, int flags, nh_error *err);
/* Non-blocking TCP connect started: returns the fd; the connect completes
 * when it turns writable (then read SO_ERROR). */
int nh_connect_tcp(const nh_addr *a, nh_error *err);
/* Set O_NONBLOCK and FD_CLOEXEC. 0 or -errno. */
int nh_fd_nonblock(int fd);

/* Asynchronous TCP connect with a deadline, on the loop. cb gets a
 * connected fd (now the caller's) and result 0, or fd -1 and -errno
 * (-ETIMEDOUT when the deadline passed). The handle is freed after cb;
 * nh_connect_cancel() before that closes the fd and calls nothing. */
typedef struct nh_connect nh_connect;
typedef void (*nh_connect_cb)(int fd, int result, void *arg);
nh_connect *nh_connect_start(nh_loop *loop, const nh_addr *a, int64_t timeout_ms,
			     nh_connect_cb cb, void *arg);
void nh_connect_cancel(nh_connect *c);

/* RFC 1071 Internet checksum. Sum 16-bit words with nh_csum_add (call
 * it repeatedly, e.g. pseudo-header then segment; only the last call may
 * have an odd length), then nh_csum_fold to the final value, stored as
 * is (it is already in network byte order when the data was). */
uint32_t nh_csum_add(uint32_t sum, const void *data, size_t len);
uint16_t nh_csum_fold(uint32_t sum);
/* nh_csum_fold(nh_csum_add(0, data, len)). */
uint16_t nh_inet_checksum(const void *data, size_t len);

#ifdef __cplusplus
}
#endif
#endif
