/* nethost plugin ABI: the one struct a plugin exports.
 *
 * A plugin is a shared object that exports exactly one symbol,
 * `nethost_plugin`, a `const struct nh_plugin` filled with designated
 * initializers (see examples/skeleton/skeleton.c):
 *
 *     NH_PLUGIN_DEFINE(.name = "hello", .version = "1.0", ...);
 *
 * ABI rules. NH_ABI_VERSION is (major << 16 | minor). The host loads a
 * plugin whose major equals its own and whose minor is not newer than its
 * own. Structs in this SDK only grow at the end; a minor bump adds fields
 * or functions, a major bump changes or removes something.
 *
 * ABI changelog:
 *   1.0  first stable ABI: descriptor, lifecycle, CLI commands, loop, log,
 *        sock, conf, json, rtnl (link and address snapshots, rtnetlink
 *        message decoding), echo (stream and datagram echo servers),
 *        metrics (counters and gauges with labels, Prometheus text
 *        output), the host's status as JSON.
 */
#ifndef NETHOST_PLUGIN_H
#define NETHOST_PLUGIN_H

#include <stdint.h>

#include <nethost/conf.h>
#include <nethost/log.h>
#include <nethost/loop.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NH_ABI_MAJOR 1
#define NH_ABI_MINOR 0
#define NH_ABI_VERSION ((uint32_t)((NH_ABI_MAJOR << 16) | NH_ABI_MINOR))

/* The symbol the host looks up in every plugin file. */
#define NH_PLUGIN_SYMBOL "nethost_plugin"

/* A CLI subcommand: `nethost NAME ARGS...`. run() gets a context whose
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
	uint32_t abi;        /* NH_ABI_VERSION the plugin was built against */
	const char *name;    /* must equal the file name: "forward" for forward.so */
	const char *version; /* the plugin's own version, free-form */
	const char *summary; /* one line for `nethost plugins` */

	/* Keys a `[name INSTANCE]` section may hold; others are errors.
	 * NULL means the plugin runs no service instances. */
	const struct nh_conf_key *keys;

	/* Read the section with the nh_conf_get_* getters, allocate state.
	 * Open nothing yet: a reload calls create() on the new file before it
	 * stops anything. 0 or -errno; problems are reported through the
	 * getters or nh_log, once. */
	int (*create)(nh_ctx *ctx, const nh_section *sec, void **state);
	/* Open sockets, add watchers and timers. 0 or -errno. */
	int (*start)(void *state);
	/* Stop taking new work: close listeners, cancel timers. */
	void (*stop)(void *state);
	/* Release everything: remaining fds, memory. Called after stop(), or
	 * instead of start() when a reload is abandoned. */
	void (*destroy)(void *state);

	/* Log counters and state at info level (the host calls it on
	 * SIGUSR1). Optional. */
	void (*report)(void *state);

	/* NULL-terminated table of CLI subcommands, or NULL. */
	const struct nh_command *commands;

	void *reserved[8]; /* room to grow within ABI 1 */
};

#define NH_PLUGIN_DEFINE(...)                                                  \
	__attribute__((visibility("default"))) const struct nh_plugin nethost_plugin = { \
		.abi = NH_ABI_VERSION, __VA_ARGS__ }

#ifdef __cplusplus
}
#endif
#endif
