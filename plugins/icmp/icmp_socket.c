/* Opening ICMP sockets: the unprivileged datagram kind where
 * net.ipv4.ping_group_range allows it, raw ones with CAP_NET_RAW, and a
 * clear word about which is missing when neither works. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>
#include <netinet/icmp6.h>
#include <linux/errqueue.h>
#include <linux/filter.h>
#include <linux/icmp.h>

#include "icmp.h"

int icmp_sock_kind_parse(const char *text, enum icmp_sock_kind *out)
{
	if (strcmp(text, "auto") == 0)
		*out = ICMP_SOCK_AUTO;
	else if (strcmp(text, "dgram") == 0)
		*out = ICMP_SOCK_DGRAM;
	else if (strcmp(text, "raw") == 0)
		*out = ICMP_SOCK_RAW;
	else
		return -EINVAL;
	return 0;
}

const char *icmp_sock_kind_name(enum icmp_sock_kind kind)
{
	return kind == ICMP_SOCK_DGRAM ? "dgram" : kind == ICMP_SOCK_RAW ? "raw" : "auto";
}

const uint8_t *icmp_addr_bytes(const nh_addr *a)
{
	return a->u.sa.sa_family == AF_INET ? (const uint8_t *)&a->u.in4.sin_addr
					    : a->u.in6.sin6_addr.s6_addr;
}

/* Only replies and errors reach us: on a raw socket the kernel would
 * otherwise hand over every ICMP packet of the host, our own echo
 * requests to loopback included. */
static void set_filters(int fd, int family)
{
	if (family == AF_INET) {
		struct icmp_filter f = { .data = ~((1u << ICMP_ECHOREPLY) | (1u << ICMP_DEST_UNREACH) |
						   (1u << ICMP_SOURCE_QUENCH) | (1u << ICMP_TIME_EXCEEDED) |
						   (1u << ICMP_PARAMETERPROB)) };
		setsockopt(fd, SOL_RAW, ICMP_FILTER, &f, sizeof(f));
	} else {
		struct icmp6_filter f;
		ICMP6_FILTER_SETBLOCKALL(&f);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
		ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &f);
		ICMP6_FILTER_SETPASS(ICMP6_PACKET_TOO_BIG, &f);
		ICMP6_FILTER_SETPASS(ICMP6_TIME_EXCEEDED, &f);
		ICMP6_FILTER_SETPASS(ICMP6_PARAM_PROB, &f);
		setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f));
	}
}

/* A raw socket also gets every other process's echo replies: on a busy
 * host they would crowd its buffer. The kernel keeps the replies with our
 * id and every error (the quoted id is checked when it is read). */
static void set_id_filter(int fd, int family, uint16_t id)
{
	struct sock_filter code[] = {
		/* X = where ICMP starts: after the IPv4 header, at 0 for v6. */
		family == AF_INET ? (struct sock_filter)BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0)
				  : (struct sock_filter)BPF_STMT(BPF_LDX | BPF_IMM, 0),
		BPF_STMT(BPF_LD | BPF_B | BPF_IND, 0), /* type */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
			 family == AF_INET ? ICMP_ECHOREPLY : ICMP6_ECHO_REPLY, 0, 3),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 4), /* echo id */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, id, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, 0),
		BPF_STMT(BPF_RET | BPF_K, 0x40000),
	};
	struct sock_fprog prog = { .len = sizeof(code) / sizeof(code[0]), .filter = code };

	setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
}

/* The echo id the kernel gave a datagram socket: its local "port". */
/* The bind that gives a datagram socket its id is the only one it gets:
 * to src when one is wanted, else to any address. */
static int dgram_id(int fd, int family, const nh_addr *src, uint16_t *id)
{
	nh_addr a;

	memset(&a, 0, sizeof(a));
	a.u.sa.sa_family = (sa_family_t)family;
	a.len = family == AF_INET ? sizeof(a.u.in4) : sizeof(a.u.in6);
	if (src)
		a = *src;
	if (bind(fd, &a.u.sa, a.len) < 0)
		return -errno;
	socklen_t len = sizeof(a.u.ss);
	if (getsockname(fd, &a.u.sa, &len) < 0)
		return -errno;
	*id = (uint16_t)nh_addr_port(&a);
	return 0;
}

static void read_group_range(char *buf, size_t len)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ping_group_range", "re");

	snprintf(buf, len, "?");
	if (!f)
		return;
	if (fgets(buf, (int)len, f)) {
		buf[strcspn(buf, "\n")] = '\0';
		for (char *p = buf; *p; p++)
			if (*p == '\t')
				*p = ' ';
	}
	fclose(f);
}

int icmp_sock_open(struct icmp_sock *s, int family, enum icmp_sock_kind kind, nh_error *err)
{
	return icmp_sock_open_from(s, family, kind, NULL, err);
}

int icmp_sock_open_from(struct icmp_sock *s, int family, enum icmp_sock_kind kind,
			const nh_addr *src, nh_error *err)
{
	int proto = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	const char *fam = family == AF_INET ? "ICMP" : "ICMPv6";
	int one = 1, dgram_errno = 0, raw_errno = 0, fd = -1;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->family = family;
	if (kind != ICMP_SOCK_RAW) {
		fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
		if (fd >= 0) {
			int r = dgram_id(fd, family, src, &s->id);
			if (r < 0) {
				close(fd);
				return nh_error_set(err, -r, "%s datagram socket: bind: %s", fam,
						    strerror(-r));
			}
			s->kind = ICMP_SOCK_DGRAM;
		} else {
			dgram_errno = errno;
		}
	}
	if (fd < 0 && kind != ICMP_SOCK_DGRAM) {
		fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
		if (fd >= 0) {
			s->kind = ICMP_SOCK_RAW;
			if (getrandom(&s->id, sizeof(s->id), GRND_NONBLOCK) != sizeof(s->id))
				s->id = (uint16_t)(getpid() ^ nh_now_us());
			set_filters(fd, family);
			set_id_filter(fd, family, s->id);
			if (src && bind(fd, &src->u.sa, src->len) < 0) {
				int e = errno;
				close(fd);
				return nh_error_set(err, e, "%s raw socket: bind: %s", fam, strerror(e));
			}
		} else {
			raw_errno = errno;
		}
	}
	if (fd < 0) {
		char range[64];
		read_group_range(range, sizeof(range));
		if (kind == ICMP_SOCK_DGRAM)
			return nh_error_set(err, dgram_errno,
					    "%s datagram socket: %s (group %u must be in "
					    "net.ipv4.ping_group_range, now \"%s\")",
					    fam, strerror(dgram_errno), (unsigned)getgid(), range);
		if (kind == ICMP_SOCK_RAW)
			return nh_error_set(err, raw_errno,
					    "%s raw socket: %s (needs root or CAP_NET_RAW)", fam,
					    strerror(raw_errno));
		return nh_error_set(err, raw_errno ? raw_errno : dgram_errno,
				    "cannot open an %s socket: raw sockets need root or "
				    "CAP_NET_RAW (%s), datagram sockets need group %u in "
				    "net.ipv4.ping_group_range, now \"%s\" (%s)",
				    fam, strerror(raw_errno), (unsigned)getgid(), range,
				    strerror(dgram_errno));
	}
	s->fd = fd;
	if (family == AF_INET)
		setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &one, sizeof(one));
	else
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one));
	/* A datagram socket gets ICMP errors about its probes only through
	 * the error queue (raw ones see the error packets themselves). */
	if (s->kind == ICMP_SOCK_DGRAM) {
		if (family == AF_INET)
			setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof(one));
		else
			setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof(one));
	}
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	return 0;
}

int icmp_sock_set_ttl(struct icmp_sock *s, int ttl)
{
	int r = s->family == AF_INET ? setsockopt(s->fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl))
				     : setsockopt(s->fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl,
						  sizeof(ttl));

	return r < 0 ? -errno : 0;
}

int icmp_sock_set_tos(struct icmp_sock *s, int tos)
{
	int r = s->family == AF_INET ? setsockopt(s->fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos))
				     : setsockopt(s->fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos));

	return r < 0 ? -errno : 0;
}

int icmp_sock_set_pmtudisc(struct icmp_sock *s, int mode)
{
	int r = s->family == AF_INET
			? setsockopt(s->fd, IPPROTO_IP, IP_MTU_DISCOVER, &mode, sizeof(mode))
			: setsockopt(s->fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &mode, sizeof(mode));

	return r < 0 ? -errno : 0;
}

int icmp_sock_set_mark(struct icmp_sock *s, uint32_t mark)
{
	return setsockopt(s->fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0 ? -errno : 0;
}

int icmp_sock_bind_device(struct icmp_sock *s, const char *ifname)
{
	return setsockopt(s->fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) < 0
		       ? -errno
		       : 0;
}

void icmp_sock_close(struct icmp_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

int icmp_sock_send(struct icmp_sock *s, const nh_addr *to, const uint8_t *pkt, size_t len)
{
	ssize_t n = sendto(s->fd, pkt, len, 0, &to->u.sa, to->len);

	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

static void read_cmsgs(struct msghdr *mh, struct icmp_rx *rx)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;
			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			rx->stamp_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
		} else if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
			   (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) {
			int v;
			memcpy(&v, CMSG_DATA(c), sizeof(v));
			rx->ttl = v;
		}
	}
}

/* An ICMP error from a datagram socket's error queue, as if a raw socket
 * had read it: the queue gives back our own echo request (id, seq), the
 * address it went to, and the error's type, code and sender. 0, or -EAGAIN
 * when the queue is empty. */
static int recv_errqueue(struct icmp_sock *s, uint8_t *buf, size_t buflen, struct icmp_rx *rx)
{
	union {
		char buf[512];
		struct cmsghdr align;
	} ctl;
	nh_addr dst;
	struct iovec iov = { .iov_base = buf, .iov_len = buflen };
	struct msghdr mh = {
		.msg_name = &dst.u.ss, .msg_namelen = sizeof(dst.u.ss),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};

	memset(&dst, 0, sizeof(dst));
	ssize_t n = recvmsg(s->fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT);
	if (n < 0)
		return -EAGAIN;
	memset(&rx->msg, 0, sizeof(rx->msg));
	rx->msg.kind = ICMP_OTHER;
	rx->msg.ttl = -1;
	rx->len = (size_t)n;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (!((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
		      (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)))
			continue;
		struct sock_extended_err ee;
		memcpy(&ee, CMSG_DATA(c), sizeof(ee));
		/* A local error (EMSGSIZE under IP_PMTUDISC_DO) repeats what the
		 * failed send() already said: no packet, so no stray. Next entry. */
		if (ee.ee_origin == SO_EE_ORIGIN_LOCAL)
			return recv_errqueue(s, buf, buflen, rx);
		if (ee.ee_origin != SO_EE_ORIGIN_ICMP && ee.ee_origin != SO_EE_ORIGIN_ICMP6)
			continue;
		const struct sockaddr *off = SO_EE_OFFENDER((struct sock_extended_err *)CMSG_DATA(c));
		rx->from.len = off->sa_family == AF_INET ? sizeof(rx->from.u.in4) : sizeof(rx->from.u.in6);
		memcpy(&rx->from.u.ss, off, rx->from.len);
		if (n < ICMP_HDR_LEN || dst.u.sa.sa_family != s->family)
			return 0;
		rx->msg.kind = ICMP_ERROR;
		rx->msg.type = ee.ee_type;
		rx->msg.code = ee.ee_code;
		rx->msg.id = (uint16_t)(buf[4] << 8 | buf[5]);
		rx->msg.seq = (uint16_t)(buf[6] << 8 | buf[7]);
		rx->msg.orig_family = s->family;
		dst.len = mh.msg_namelen;
		memcpy(rx->msg.orig_dst, icmp_addr_bytes(&dst), s->family == AF_INET ? 4 : 16);
	}
	return 0;
}

int icmp_sock_recv(struct icmp_sock *s, uint8_t *buf, size_t buflen, struct icmp_rx *rx)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct timespec)) + 2 * CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = buflen };
	struct msghdr mh = {
		.msg_name = &rx->from.u.ss, .msg_namelen = sizeof(rx->from.u.ss),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	int ip_header = s->kind == ICMP_SOCK_RAW && s->family == AF_INET;

	memset(&rx->from, 0, sizeof(rx->from));
	rx->ttl = -1;
	rx->stamp_ns = 0;
	ssize_t n = recvmsg(s->fd, &mh, MSG_DONTWAIT);
	if (n < 0) {
		int e = errno == EWOULDBLOCK || errno == EINTR ? EAGAIN : errno;
		/* The pending error reported here is the one queued. */
		if (s->kind == ICMP_SOCK_DGRAM && recv_errqueue(s, buf, buflen, rx) == 0)
			return 0;
		return -e;
	}
	rx->from.len = mh.msg_namelen;
	read_cmsgs(&mh, rx);
	if (mh.msg_flags & MSG_TRUNC) {
		memset(&rx->msg, 0, sizeof(rx->msg));
		rx->msg.kind = ICMP_TRUNCATED;
		rx->len = (size_t)n;
		return 0;
	}
	icmp_parse(s->family, ip_header, buf, (size_t)n, &rx->msg);
	rx->len = (size_t)n;
	if (ip_header && n >= 20 && (size_t)(buf[0] & 0x0f) * 4 <= (size_t)n)
		rx->len -= (size_t)(buf[0] & 0x0f) * 4;
	if (rx->ttl < 0)
		rx->ttl = rx->msg.ttl;
	return 0;
}
