/* What a forwarder runs with, shared by [forward NAME] and the CLI:
 * listen addresses, resolved upstreams, allow/deny lists. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "forward.h"

void fwd_conf_free(struct fwd_conf *c)
{
	free(c->listen);
	for (int i = 0; i < c->n_up; i++)
		free(c->up_host[i]);
	free(c->up_host);
	free(c->up);
	free(c->tls.sni);
	free(c->tls.ca);
	free(c->tls.cert);
	free(c->tls.key);
	free(c->tls.client_ca);
	free(c->tls.ciphers);
	free(c->http_host);
	SSL_CTX_free(c->tls_up);
	SSL_CTX_free(c->tls_down);
	free(c->allow);
	free(c->deny);
	memset(c, 0, sizeof(*c));
}

int fwd_conf_add_listen(struct fwd_conf *c, const nh_addr *a)
{
	nh_addr *n = realloc(c->listen, (size_t)(c->n_listen + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	n[c->n_listen++] = *a;
	c->listen = n;
	return 0;
}

int fwd_conf_add_upstream(struct fwd_conf *c, const char *text, nh_error *err)
{
	nh_addr found[FWD_ADDRS_PER_NAME];
	int n = nh_resolve(text, -1, AF_UNSPEC, SOCK_STREAM, found, FWD_ADDRS_PER_NAME, err);

	if (n < 0)
		return n;
	/* A name resolves to one port for all its addresses. */
	if (nh_addr_port(&found[0]) == 0)
		return nh_error_set(err, EINVAL, "'%s': port 0 is not a port to relay to", text);
	nh_addr *up = realloc(c->up, (size_t)(c->n_up + n) * sizeof(*up));
	if (!up)
		return nh_error_set(err, ENOMEM, "out of memory");
	c->up = up;
	char **hosts = realloc(c->up_host, (size_t)(c->n_up + n) * sizeof(*hosts));
	if (!hosts)
		return nh_error_set(err, ENOMEM, "out of memory");
	c->up_host = hosts;
	/* Every address of a name is an upstream, in resolver order; one
	 * named twice (two names for one host) is one upstream. Each keeps
	 * the name, which TLS sends (SNI) and checks. */
	for (int i = 0; i < n; i++) {
		int dup = 0;
		for (int k = 0; k < c->n_up && !dup; k++)
			dup = nh_addr_equal(&c->up[k], &found[i]);
		if (dup)
			continue;
		if (!(hosts[c->n_up] = fwd_host_of(text)))
			return nh_error_set(err, ENOMEM, "out of memory");
		c->up[c->n_up++] = found[i];
	}
	return 0;
}

char *fwd_host_of(const char *text)
{
	const char *end;

	if (text[0] == '[' && (end = strchr(text, ']')))
		return strndup(text + 1, (size_t)(end - text - 1));
	end = strrchr(text, ':');
	return strndup(text, end ? (size_t)(end - text) : strlen(text));
}

int fwd_acl_permits(const struct fwd_conf *c, const struct sockaddr *sa)
{
	if (nh_cidr_list_match(c->deny, c->n_deny, sa))
		return 0;
	return c->n_allow == 0 || nh_cidr_list_match(c->allow, c->n_allow, sa);
}
