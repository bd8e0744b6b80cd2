/* Socket addresses: parse, resolve, format, compare. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nh_internal.h"

int nh_error_set(nh_error *err, int code, const char *fmt, ...)
{
	if (code < 0)
		code = -code;
	if (err) {
		va_list ap;
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -code;
}

static int parse_port(const char *text, const char *whole, int *port, nh_error *err)
{
	char *end;

	if (!*text)
		return nh_error_set(err, EINVAL, "'%s': empty port", whole);
	errno = 0;
	long v = strtol(text, &end, 10);
	if (*end || errno || v < 0 || v > 65535 || text[0] == '-' || text[0] == '+')
		return nh_error_set(err, EINVAL, "'%s': bad port '%s' (0-65535)", whole, text);
	*port = (int)v;
	return 0;
}

int nh_hostport_split(const char *text, char *host, size_t hostlen, int default_port,
		      int *port, nh_error *err)
{
	const char *colon, *h = text;
	size_t hlen;

	*port = default_port;
	if (!text || !*text)
		return nh_error_set(err, EINVAL, "empty address");
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (!close)
			return nh_error_set(err, EINVAL, "'%s': missing ']'", text);
		h = text + 1;
		hlen = (size_t)(close - h);
		if (close[1] == ':') {
			if (parse_port(close + 2, text, port, err) < 0)
				return -EINVAL;
		} else if (close[1]) {
			return nh_error_set(err, EINVAL, "'%s': junk after ']'", text);
		}
	} else if ((colon = strchr(text, ':')) && !strchr(colon + 1, ':')) {
		/* Exactly one colon: host:port. Two or more: a bare IPv6. */
		hlen = (size_t)(colon - text);
		if (parse_port(colon + 1, text, port, err) < 0)
			return -EINVAL;
	} else {
		hlen = strlen(text);
	}
	if (hlen == 0)
		return nh_error_set(err, EINVAL, "'%s': empty host", text);
	if (hlen >= hostlen)
		return nh_error_set(err, ENAMETOOLONG, "'%s': host name too long", text);
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (*port < 0)
		return nh_error_set(err, EINVAL, "'%s': a port is required (HOST:PORT)", text);
	return 0;
}

/* Fill out from a numeric host; 0, or -EINVAL when not numeric. */
static int numeric_host(const char *host, int port, nh_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, host, &out->u.in4.sin_addr) == 1) {
		out->u.in4.sin_family = AF_INET;
		out->u.in4.sin_port = htons((uint16_t)port);
		out->len = sizeof(out->u.in4);
		return 0;
	}
	char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
	if (strlen(host) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, host);
	char *pct = strchr(buf, '%');
	if (pct)
		*pct++ = '\0';
	if (inet_pton(AF_INET6, buf, &out->u.in6.sin6_addr) != 1)
		return -EINVAL;
	if (pct) {
		unsigned idx = if_nametoindex(pct);
		if (!idx) {
			char *end;
			unsigned long v = strtoul(pct, &end, 10);
			if (*end || !*pct)
				return -ENODEV;
			idx = (unsigned)v;
		}
		out->u.in6.sin6_scope_id = idx;
	}
	out->u.in6.sin6_family = AF_INET6;
	out->u.in6.sin6_port = htons((uint16_t)port);
	out->len = sizeof(out->u.in6);
	return 0;
}

int nh_addr_parse(const char *text, int default_port, nh_addr *out, nh_error *err)
{
	char host[256];
	int port, r;

	if ((r = nh_hostport_split(text, host, sizeof(host), default_port, &port, err)) < 0)
		return r;
	r = numeric_host(host, port, out);
	if (r == -ENODEV)
		return nh_error_set(err, ENODEV, "'%s': no such interface in scope", text);
	if (r < 0)
		return nh_error_set(err, EINVAL, "'%s': not a numeric IPv4 or IPv6 address", text);
	return 0;
}

int nh_resolve(const char *text, int default_port, int family, int socktype, nh_addr *out,
	       int max, nh_error *err)
{
	char host[256], portstr[8];
	int port, r;

	if ((r = nh_hostport_split(text, host, sizeof(host), default_port, &port, err)) < 0)
		return r;
	if (max < 1)
		return nh_error_set(err, EINVAL, "no room for addresses");
	if ((r = numeric_host(host, port, out)) == 0) {
		if (family != AF_UNSPEC && out->u.sa.sa_family != family)
			return nh_error_set(err, EAFNOSUPPORT, "'%s': not an %s address", text,
					    family == AF_INET ? "IPv4" : "IPv6");
		return 1;
	}
	snprintf(portstr, sizeof(portstr), "%d", port);
	struct addrinfo hints = { .ai_family = family, .ai_socktype = socktype ? socktype : SOCK_STREAM,
				  .ai_flags = AI_ADDRCONFIG };
	struct addrinfo *res = NULL;
	int g = getaddrinfo(host, portstr, &hints, &res);
	if (g == EAI_ADDRFAMILY || g == EAI_NONAME) {
		/* AI_ADDRCONFIG hides ::1 on hosts with no global IPv6; retry. */
		hints.ai_flags = 0;
		g = getaddrinfo(host, portstr, &hints, &res);
	}
	if (g != 0)
		return nh_error_set(err, g == EAI_SYSTEM ? errno : EHOSTUNREACH,
				    "'%s': cannot resolve '%s': %s", text, host,
				    g == EAI_SYSTEM ? strerror(errno) : gai_strerror(g));
	int n = 0;
	for (struct addrinfo *ai = res; ai && n < max; ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof(out[n].u))
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		memcpy(&out[n].u, ai->ai_addr, ai->ai_addrlen);
		out[n].len = ai->ai_addrlen;
		n++;
	}
	freeaddrinfo(res);
	if (n == 0)
		return nh_error_set(err, EHOSTUNREACH, "'%s': no usable address", text);
	return n;
}

char *nh_sockaddr_format(const struct sockaddr *sa, socklen_t salen, int with_port, char *buf,
			 size_t len)
{
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 2] = "?";
	int port = 0, v6 = 0;

	if (sa->sa_family == AF_INET && salen >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in4 = (const void *)sa;
		inet_ntop(AF_INET, &in4->sin_addr, host, sizeof(host));
		port = ntohs(in4->sin_port);
	} else if (sa->sa_family == AF_INET6 && salen >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		port = ntohs(in6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], host, sizeof(host));
		} else {
			v6 = 1;
			inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
			if (in6->sin6_scope_id) {
				char ifname[IF_NAMESIZE];
				size_t hl = strlen(host);
				if (if_indextoname(in6->sin6_scope_id, ifname))
					snprintf(host + hl, sizeof(host) - hl, "%%%s", ifname);
				else
					snprintf(host + hl, sizeof(host) - hl, "%%%u",
						 in6->sin6_scope_id);
			}
		}
	} else if (sa->sa_family == AF_UNIX) {
		snprintf(buf, len, "unix");
		return buf;
	}
	if (!with_port)
		snprintf(buf, len, "%s", host);
	else if (v6)
		snprintf(buf, len, "[%s]:%d", host, port);
	else
		snprintf(buf, len, "%s:%d", host, port);
	return buf;
}

char *nh_addr_format(const nh_addr *a, int with_port, char *buf, size_t len)
{
	return nh_sockaddr_format(&a->u.sa, a->len, with_port, buf, len);
}

int nh_addr_port(const nh_addr *a)
{
	if (a->u.sa.sa_family == AF_INET)
		return ntohs(a->u.in4.sin_port);
	if (a->u.sa.sa_family == AF_INET6)
		return ntohs(a->u.in6.sin6_port);
	return -1;
}

void nh_addr_set_port(nh_addr *a, int port)
{
	if (a->u.sa.sa_family == AF_INET)
		a->u.in4.sin_port = htons((uint16_t)port);
	else if (a->u.sa.sa_family == AF_INET6)
		a->u.in6.sin6_port = htons((uint16_t)port);
}

int nh_addr_equal(const nh_addr *a, const nh_addr *b)
{
	if (a->u.sa.sa_family != b->u.sa.sa_family)
		return 0;
	if (a->u.sa.sa_family == AF_INET)
		return a->u.in4.sin_port == b->u.in4.sin_port &&
		       a->u.in4.sin_addr.s_addr == b->u.in4.sin_addr.s_addr;
	if (a->u.sa.sa_family == AF_INET6)
		return a->u.in6.sin6_port == b->u.in6.sin6_port &&
		       a->u.in6.sin6_scope_id == b->u.in6.sin6_scope_id &&
		       memcmp(&a->u.in6.sin6_addr, &b->u.in6.sin6_addr, 16) == 0;
	return 0;
}
