/* nethost ctl: send one request to the service's control socket, print
 * the response as text or JSON, exit with the command's code. Parse the
 * command line, find the socket, then talk: three steps, three functions. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_client.h"

/* Where the installed unit's service listens when [nethost] control is
 * unset: its RuntimeDirectory=nethost. */
#define CTL_SERVICE_SOCKET "/run/nethost/control.sock"

/* Responses are built whole by the service; a sweep of a /16 is large. */
#define CTL_RESPONSE_MAX (256u << 20)

const char ctl_usage[] =
	"usage: nethost ctl status [OPTIONS]        version, config, uptime, instances\n"
	"       nethost ctl reload [OPTIONS]        reload like SIGHUP; print every problem\n"
	"       nethost ctl stop [OPTIONS]          stop the service\n"
	"       nethost ctl metrics [OPTIONS]       every metric, Prometheus text\n"
	"       nethost ctl conns [INSTANCE]        [forward] live connections\n"
	"       nethost ctl stats [INSTANCE]        [forward] addresses and counters\n"
	"       nethost ctl upstreams [INSTANCE]    [forward] upstreams: state, last error, counts\n"
	"       nethost ctl upstream enable|disable|drain INSTANCE ADDR\n"
	"                                           [forward] take ADDR out of the choice for new\n"
	"                                           clients (connections and checks go on), or back\n"
	"       nethost ctl targets [INSTANCE]      [icmp] targets: state, RTT, loss, since\n"
	"       nethost ctl help [OPTIONS]          every command, the instances' own too\n"
	"       nethost ctl COMMAND [WORDS] [INSTANCE] [ARGS...]\n"
	"                                           an instance command on every instance with it,\n"
	"                                           or on INSTANCE, which follows the command's\n"
	"                                           fixed WORDS (`nethost ctl help` shows them)\n"
	"       nethost ctl PLUGIN/NAME COMMAND [ARGS...]  one instance's command\n"
	"\n"
	"Talks to a running service over its control socket ([nethost] control = PATH).\n"
	"INSTANCE is NAME or PLUGIN/NAME. Exit codes: the command's (0 ok, 1 failed,\n"
	"2 refused or usage: a refused reload exits 2), 1 when the service cannot be reached.\n"
	"\n"
	"Options (before COMMAND, or after it; -- ends them):\n"
	"  -s, --socket PATH   the control socket\n"
	"  -c, --config FILE   read the socket from FILE's [nethost] control (default:\n"
	"                      nethost -c FILE, else " NH_SYSCONFDIR "/nethost.ini); when FILE\n"
	"                      does not set it, the systemd unit's " CTL_SERVICE_SOCKET "\n"
	"  -j, --json          print the reply as JSON\n"
	"  -T, --timeout DUR   give up after DUR (default 60s; a reload may take long)\n"
	"  -h, --help          this help\n";

struct ctl_args {
	const char *socket;
	const char *config;
	int json;
	int64_t timeout_ms;
	int argc;
	char **argv; /* the request's words */
};

static int usage_error(const char *msg, const char *arg)
{
	char safe[1024];

	fprintf(stderr, "nethost ctl: %s%s%s%s\n%s", msg, arg ? " '" : "",
		arg ? nh_escape(arg, safe, sizeof(safe)) : "", arg ? "'" : "", ctl_usage);
	return NH_EXIT_USAGE;
}

/* -1 to go on, or the exit code. */
static int parse_args(int argc, char **argv, struct ctl_args *a)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' }, { "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },         { "timeout", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },         { NULL, 0, NULL, 0 },
	};
	int c;
	int64_t ms;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "s:c:jT:h", opts, NULL)) != -1) {
		switch (c) {
		case 's': a->socket = optarg; break;
		case 'c': a->config = optarg; break;
		case 'j': a->json = 1; break;
		case 'T':
			if (nh_duration_parse_ms(optarg, &ms, NULL) < 0 || ms < 1)
				return usage_error("--timeout: not a duration (e.g. 30s):", optarg);
			a->timeout_ms = ms;
			break;
		case 'h': fputs(ctl_usage, stdout); return NH_EXIT_OK;
		default:
			return usage_error("unknown option or missing argument:", argv[optind - 1]);
		}
	}
	a->argc = argc - optind;
	a->argv = argv + optind;
	if (a->argc < 1)
		return usage_error("which command?", NULL);
	return -1;
}

/* The socket's path, malloc'd: -s, or [nethost] control of the file.
 * NULL when there is none (reported). */
static char *find_socket(const struct ctl_args *a, const struct host_options *opt)
{
	const char *file = a->config ? a->config : opt->config_path ? opt->config_path
						      : NH_SYSCONFDIR "/nethost.ini";
	const char *path = NULL;

	if (a->socket)
		return strdup(a->socket);
	nh_config *cfg = nh_config_load(file);
	if (!cfg)
		return NULL;
	nh_section *sec = nh_config_find(cfg, "nethost", "nethost");
	if (sec)
		nh_conf_get_str(sec, "control", NULL, &path);
	/* Unset: the installed unit's default ($RUNTIME_DIRECTORY/control.sock). */
	if (!path && access(CTL_SERVICE_SOCKET, F_OK) == 0)
		path = CTL_SERVICE_SOCKET;
	char *copy = path && strcmp(path, "off") != 0 ? strdup(path) : NULL;
	if (!copy)
		fprintf(stderr, "nethost ctl: %s: [nethost] control is %s: the service has no control "
				"socket (or give -s PATH)\n", file, path ? "off" : "not set and there is no "
				CTL_SERVICE_SOCKET);
	nh_config_free(cfg);
	return copy;
}

/* Send the request, read the response whole: a parsed object, or NULL
 * (reported). */
static struct json_object *talk(const char *path, const struct ctl_args *a)
{
	char target[4096];
	nh_error err;

	/* nh_client_connect takes a Unix path when it starts with / or . */
	snprintf(target, sizeof(target), "%s%s", path[0] == '/' || path[0] == '.' ? "" : "./", path);
	int fd = nh_client_connect(target, -1, a->timeout_ms, &err);
	if (fd < 0) {
		fprintf(stderr, "nethost ctl: %s\n", err.msg);
		return NULL;
	}
	struct json_object *req = json_object_new_array();
	for (int i = 0; req && i < a->argc; i++)
		json_object_array_add(req, json_object_new_string(a->argv[i]));
	const char *text = req ? json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN) : NULL;
	size_t tlen = text ? strlen(text) : 0;
	char *line = text ? malloc(tlen + 2) : NULL;
	if (!line) {
		fprintf(stderr, "nethost ctl: out of memory\n");
		json_object_put(req);
		close(fd);
		return NULL;
	}
	memcpy(line, text, tlen);
	line[tlen] = '\n';
	json_object_put(req);
	int64_t deadline = nh_now_us() / 1000 + a->timeout_ms;
	int r = nh_client_send(fd, line, tlen + 1, a->timeout_ms, &err);
	free(line);
	/* A peer refused at once has answered and closed: read why. */
	if (r < 0 && r != -EPIPE && r != -ECONNRESET) {
		fprintf(stderr, "nethost ctl: %s: %s\n", path, err.msg);
		close(fd);
		return NULL;
	}
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	ssize_t n = 1;
	while (buf && n > 0) {
		if (len == cap) {
			char *grown = cap < CTL_RESPONSE_MAX ? realloc(buf, cap * 2) : NULL;
			if (!grown) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = grown;
			cap *= 2;
		}
		int64_t left = deadline - nh_now_us() / 1000;
		n = nh_client_read(fd, buf + len, cap - len, 0, left > 0 ? left : 1, &err);
		if (n > 0)
			len += (size_t)n;
	}
	close(fd);
	if (!buf || n < 0) {
		fprintf(stderr, "nethost ctl: %s: %s\n", path, buf ? err.msg : "response too large");
		free(buf);
		return NULL;
	}
	struct json_tokener *tok = json_tokener_new();
	struct json_object *resp = tok ? json_tokener_parse_ex(tok, buf, (int)len) : NULL;
	json_tokener_free(tok);
	free(buf);
	if (!resp || !json_object_is_type(resp, json_type_object)) {
		fprintf(stderr, "nethost ctl: %s: %s\n", path,
			len ? "not a response of nethost's control socket" : "closed without a response");
		json_object_put(resp);
		return NULL;
	}
	return resp;
}

/* `conns` on every forward instance: a section for each; an instance's
 * error goes to stderr, named, like a single command's. */
static void print_each(struct json_object *reply)
{
	struct json_object *list, *who, *inner, *error;
	char buf[1024];
	int shown = 0;

	if (!json_object_object_get_ex(reply, "instances", &list))
		return;
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct json_object *one = json_object_array_get_idx(list, i);
		json_object_object_get_ex(one, "instance", &who);
		if (json_object_object_get_ex(one, "reply", &inner)) {
			printf("%s[%s]\n", shown++ ? "\n" : "",
			       nh_escape(json_object_get_string(who), buf, sizeof(buf)));
			ctl_text_print(stdout, inner, 2);
		} else if (json_object_object_get_ex(one, "error", &error)) {
			char who_safe[256];
			fflush(stdout);
			fprintf(stderr, "nethost ctl: %s: %s\n",
				nh_escape(json_object_get_string(who), who_safe, sizeof(who_safe)),
				nh_escape(json_object_get_string(error), buf, sizeof(buf)));
		}
	}
}

/* The response on stdout (the error on stderr); the exit code. */
static int print_response(struct json_object *resp, const struct ctl_args *a)
{
	struct json_object *code = NULL, *reply = NULL, *error = NULL, *each = NULL;
	char buf[2048];

	json_object_object_get_ex(resp, "code", &code);
	json_object_object_get_ex(resp, "reply", &reply);
	json_object_object_get_ex(resp, "error", &error);
	json_object_object_get_ex(resp, "each", &each);
	int rc = code ? json_object_get_int(code) : NH_EXIT_FAIL;
	if (error)
		fprintf(stderr, "nethost ctl %s: %s\n", nh_escape(a->argv[0], buf, sizeof(buf) / 2),
			nh_escape(json_object_get_string(error), buf + sizeof(buf) / 2, sizeof(buf) / 2));
	if (a->json)
		nh_json_print(stdout, json_object_get(reply ? reply : resp));
	else if (reply && each && json_object_get_boolean(each))
		print_each(reply);
	else if (reply)
		ctl_text_print(stdout, reply, 0);
	return rc < 0 || rc > 255 ? NH_EXIT_FAIL : rc;
}

int ctl_main(const struct host_options *opt, int argc, char **argv)
{
	struct ctl_args a = { .timeout_ms = 60000 };
	int code = parse_args(argc, argv, &a);

	if (code >= 0)
		return code;
	char *path = find_socket(&a, opt);
	if (!path)
		return a.socket || a.config || opt->config_path ? NH_EXIT_USAGE : NH_EXIT_FAIL;
	struct json_object *resp = talk(path, &a);
	free(path);
	if (!resp)
		return NH_EXIT_FAIL;
	code = print_response(resp, &a);
	json_object_put(resp);
	return code;
}
