/* Control commands (ABI 2.1): what an operator (`nethost ctl`, over the
 * host's control socket, [nethost] control) and other plugins (the http
 * plugin's status page, through nh_ctl_call()) can ask a running instance.
 *
 * A plugin lists them in its descriptor (.ctl_commands, a table ending
 * with an entry whose name is NULL). The host calls run() on its loop with
 * the instance's own state; run() answers from what the instance already
 * knows, into a JSON object the host renders as text or prints with
 * --json: one structure, two outputs.
 *
 *     nethost ctl forward/web conns        run() with argv {"conns"}
 *     nethost ctl conns [web]              every instance that has "conns"
 */
#ifndef NETHOST_CTL_H
#define NETHOST_CTL_H

#include <nethost/ctx.h>

#ifdef __cplusplus
extern "C" {
#endif

struct json_object;

/* Where run() puts its answer; the host owns it. */
typedef struct nh_ctl_reply nh_ctl_reply;

struct nh_ctl_command {
	const char *name;    /* "conns": one word, no '/' */
	const char *usage;   /* "conns [CLIENT]": shown by `nethost ctl help` */
	const char *summary; /* one line for `nethost ctl help` */
	/* Runs on the host's loop, between callbacks: never block, never
	 * wait for the network; answer from memory. argv[0] is name, the
	 * rest are the caller's words (argc >= 1). Add keys to
	 * nh_ctl_reply_json(reply). Returns NH_EXIT_OK, or what
	 * nh_ctl_fail() returns (NH_EXIT_FAIL, NH_EXIT_USAGE). */
	int (*run)(void *state, int argc, char **argv, nh_ctl_reply *reply);
};

/* The object run() fills (owned by the reply: add to it, never put it).
 * Text output shows scalars as "key: value", an array of objects as a
 * table with one column per key of its first element, nested objects
 * indented; a reply holding only a string "text" is printed as it is.
 * Keep one shape per command, and only ever add keys. */
struct json_object *nh_ctl_reply_json(nh_ctl_reply *reply);

/* Fail the command with a message for the caller (printf format; "no
 * client 10.0.0.1:4242"). Returns code (NH_EXIT_FAIL or NH_EXIT_USAGE),
 * so that run() can `return nh_ctl_fail(reply, NH_EXIT_USAGE, ...)`. */
int nh_ctl_fail(nh_ctl_reply *reply, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Run a control command of another running instance, as `nethost ctl
 * PLUGIN/NAME ARGS...` would, now, on this loop: instance is
 * "plugin/name" ("icmp/lan"), argv[0] the command's name. On return *out
 * is a fresh object the caller owns (json_object_put it):
 * {"code": N, "reply": {...}} or {"code": N, "error": "..."}. Returns the
 * command's exit code (0, 1, 2), or -errno with *out NULL: -ENOENT (no
 * such instance or command; an instance that is not started has none),
 * -ENOTSUP (a host without instances: CLI commands), -EBUSY (called from
 * inside a control command's run()), -EINVAL, -ENOMEM. */
int nh_ctl_call(const nh_ctx *ctx, const char *instance, int argc, char **argv,
		struct json_object **out);

#ifdef __cplusplus
}
#endif
#endif
