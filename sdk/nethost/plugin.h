/* nethost plugin ABI: the one struct a plugin exports.
 *
 * A plugin is a shared object that exports exactly one symbol,
 * `nethost_plugin`, a `const struct nh_plugin` filled with designated
 * initializers (see the template, examples/skeleton/skeleton.c):
 *
 *     NH_PLUGIN_DEFINE(.name = "hello", .version = "1.0", ...);
 *
 * ABI rules (checked by tools/abi-check against sdk/abi/ on every build):
 *   - NH_ABI_VERSION is (major << 16 | minor). The host loads a plugin
 *     whose major equals its own and whose minor is not newer than its
 *     own, and says why it refuses any other.
 *   - A minor bump only adds: functions, and fields at the end of a
 *     struct that carries its size. A major bump is needed to change or
 *     remove anything.
 *   - No struct crosses between plugin and SDK by value or as an array
 *     unless its size travels with it: the descriptor records the sizes of
 *     itself, nh_conf_key, nh_command and (2.1) nh_ctl_command as the
 *     plugin knew them (the host reads only what is there and takes zero
 *     for the rest); options and
 *     stats structs start with `size_t size`; everything else is opaque
 *     behind accessors. The value types nh_addr, nh_cidr, nh_range and
 *     nh_error (sock.h) are frozen for the life of a major.
 *   - A plugin is stamped with the minor of the headers it was built
 *     against and loads in hosts of that minor or newer; nh_abi_host()
 *     tells which minor the running host speaks.
 *
 * ABI changelog:
 *   1.0  first stable ABI: descriptor, lifecycle, CLI commands, loop, log,
 *        sock, conf, json, rtnl, echo, metrics, status.
 *   2.0  the SDK is the plugin ABI and nothing else (libnethost exports
 *        only the functions of these headers, version node NETHOST_2.0):
 *        sized descriptor and tables; nh_abi_host(); nh_conf_key.required;
 *        nh_error carries its errno; log level asked with nh_log_enabled();
 *        metrics text and the host status through the ctx; nh_ctx_plugin();
 *        stream helpers (stream.h: listener with nh_listener_pause(),
 *        buffered writer, CLI client), CLI option parsers and
 *        nh_cli_run_until_signal() (cli.h), nh_escape() (log.h). rtnl, echo
 *        and status left the public SDK.
 *   2.1  control commands (ctl.h): the descriptor's .ctl_commands table
 *        (stride .ctl_size, after .commands), nh_ctl_reply_json(),
 *        nh_ctl_fail(), nh_ctl_call(). A 2.0 descriptor reads as having
 *        no control commands. Histogram series (metrics.h):
 *        nh_histogram_new(), nh_histogram_observe(), nh_histogram_del().
 *        The descriptor's .succeed: the host tells a changed section's new
 *        instance, on reload, which running one it replaces. The
 *        descriptor's .refresh: a reload lets an unchanged instance re-read
 *        the files its section names (certificates), all or nothing.
 *        nh_metrics_text_without() (metrics.h).
 */
#ifndef NETHOST_PLUGIN_H
#define NETHOST_PLUGIN_H

#include <stdint.h>

#include <nethost/conf.h>
#include <nethost/ctl.h>
#include <nethost/log.h>
#include <nethost/loop.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NH_ABI_MAJOR 2
#define NH_ABI_MINOR 1
#define NH_ABI_VERSION ((uint32_t)((NH_ABI_MAJOR << 16) | NH_ABI_MINOR))
#define NH_ABI_MAJOR_OF(v) ((uint32_t)(v) >> 16)
#define NH_ABI_MINOR_OF(v) ((uint32_t)(v) & 0xffffu)

/* The symbol the host looks up in every plugin file. */
#define NH_PLUGIN_SYMBOL "nethost_plugin"

/* A CLI subcommand: `nethost NAME ARGS...`. A table of them ends with an
 * entry whose name is NULL. run() gets a context whose
 * loop is fresh and whose log prefix is the command name; argv[0] is NAME.
 * It returns the process exit code: 0 ok, 1 the job failed, 2 usage error. */
struct nh_command {
	const char *name;    /* "ping" */
	const char *usage;   /* "ping [-c COUNT] HOST": shown by --help and on usage errors */
	const char *summary; /* one line for `nethost --help` */
	int (*run)(nh_ctx *ctx, int argc, char **argv);
};

/* The descriptor. Every callback gets the instance's own state pointer:
 * a plugin keeps no globals, so several instances run side by side. */
struct nh_plugin {
	uint32_t abi;        /* NH_ABI_VERSION the plugin was built against: first, in every major */
	uint32_t size;       /* sizeof(struct nh_plugin) as the plugin knew it */
	uint16_t key_size;   /* sizeof(struct nh_conf_key): the stride of .keys */
	uint16_t command_size; /* sizeof(struct nh_command): the stride of .commands */
	const char *name;    /* must equal the file name: "forward" for forward.so */
	const char *version; /* the plugin's own version, free-form */
	const char *summary; /* one line for `nethost plugins` */

	/* Keys a `[name INSTANCE]` section may hold, ending with an entry
	 * whose name is NULL; others are errors. NULL means the plugin runs no
	 * service instances. */
	const struct nh_conf_key *keys;

	/* Read the section with the nh_conf_get_* getters, allocate state.
	 * Open nothing yet: a reload calls create() on the new file before it
	 * stops anything. The return value is the verdict: 0, or -errno with
	 * every problem reported once (the getters and nh_conf_error() do
	 * it; the host adds a line only when none was). */
	int (*create)(nh_ctx *ctx, const nh_section *sec, void **state);
	/* Open sockets, add watchers and timers. 0 or -errno (log why). On
	 * failure destroy() follows, without stop(): it must release what
	 * start() opened before failing. A reload that cannot start a new
	 * instance rolls back to the running configuration. */
	int (*start)(void *state);
	/* Stop taking new work: close listeners, cancel timers. */
	void (*stop)(void *state);
	/* Release everything: remaining fds, memory. Called after stop(), or
	 * instead of start() when a reload is abandoned. */
	void (*destroy)(void *state);

	/* Log counters and state at info level (the host calls it on
	 * SIGUSR1). Optional. */
	void (*report)(void *state);

	/* Table of CLI subcommands (see struct nh_command), or NULL. */
	const struct nh_command *commands;

	/* 2.1: sizeof(struct nh_ctl_command), the stride of .ctl_commands. */
	uint32_t ctl_size;
	/* 2.1: control commands of a running instance (see <nethost/ctl.h>),
	 * ending with an entry whose name is NULL; or NULL. */
	const struct nh_ctl_command *ctl_commands;

	/* 2.1: on a reload, tell a changed section's new instance which
	 * running one it replaces, so that it can take over (listening
	 * sockets, open connections) without a gap. Optional; a 2.0
	 * descriptor reads as having none. The host calls succeed(state,
	 * predecessor) when the reloaded file changes a section [name
	 * INSTANCE]: state is the new instance's, predecessor the running
	 * one's, both made by this same plugin file. Never for a new, a
	 * removed or an unchanged section, nor when the section's plugin
	 * file changed. In order, in one turn of the loop:
	 *   1. create() of every new and changed section: if one fails the
	 *      reload is refused and succeed() is not called at all;
	 *   2. succeed(state, predecessor) for each changed section, before
	 *      anything is stopped: the predecessor still runs;
	 *   3. the predecessor's stop(), then its destroy(): the moment to
	 *      hand state what it should take over; state is created, not
	 *      started. The host never passes the predecessor again;
	 *   4. start(state), after every old instance the file changes or
	 *      removes was stopped and destroyed.
	 * If a start() of the reload fails, it rolls back: state is destroyed
	 * (stopped first if it had started), then the predecessor's section
	 * gets a fresh create() and start() from its old text, with no
	 * succeed(); what state had taken over ends with state. So succeed()
	 * only records the relation: it takes nothing and cannot fail. */
	void (*succeed)(void *state, void *predecessor);
	/* 2.1, optional: on a reload, a running instance whose section is
	 * unchanged (so create() is not called) re-reads what lives outside
	 * the file: certificates, keys, lists its keys name. Called with
	 * NH_REFRESH_PREPARE after every create() of the reload succeeded and
	 * before succeed() and any stop(): load and check everything into
	 * staging, apply nothing; 0 (also when nothing changed), or -errno
	 * with the problem logged: the reload is then refused, the running
	 * configuration stays. Then exactly once, for each instance whose
	 * PREPARE returned 0: NH_REFRESH_COMMIT when the reload is applied
	 * (switch to what was staged; cannot fail), or NH_REFRESH_ABORT when
	 * it is refused after all (another PREPARE or a start() failed: drop
	 * the staging). */
	int (*refresh)(void *state, int phase);
	/* New fields go here, in a new minor. */
};

/* refresh()'s phase. */
enum { NH_REFRESH_PREPARE, NH_REFRESH_COMMIT, NH_REFRESH_ABORT };

#define NH_PLUGIN_DEFINE(...)                                                  \
	__attribute__((visibility("default"))) const struct nh_plugin nethost_plugin = { \
		.abi = NH_ABI_VERSION, .size = sizeof(struct nh_plugin),               \
		.key_size = sizeof(struct nh_conf_key),                                \
		.command_size = sizeof(struct nh_command),                             \
		.ctl_size = sizeof(struct nh_ctl_command), __VA_ARGS__ }

#ifdef __cplusplus
}
#endif
#endif
