/* Helpers for CLI commands (struct nh_command). Commands parse their own
 * arguments (getopt_long; the host resets optind before run()). The host
 * answers `nethost CMD --help` and `nethost help CMD` with the usage text. */
#ifndef NETHOST_CLI_H
#define NETHOST_CLI_H

#include <nethost/ctx.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Exit codes every command uses. */
enum {
	NH_EXIT_OK = 0,
	NH_EXIT_FAIL = 1,  /* the job ran and failed (no reply, port closed...) */
	NH_EXIT_USAGE = 2, /* bad arguments, bad config, cannot run */
};

/* Print "nethost CMD: <message>" and the command's usage to stderr;
 * returns NH_EXIT_USAGE. */
int nh_cli_usage_error(const nh_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Print the command's usage to stdout; returns NH_EXIT_OK. */
int nh_cli_help(const nh_ctx *ctx);

/* ---- option parsers and the foreground run (sdk/cli_opts.c) ---------- */

/* One way to read option values in every command. Each parser prints the
 * usage error itself (nh_cli_usage_error(): the option, the text quoted,
 * what is allowed) and returns -EINVAL; 0 on success, with *out set only
 * then:
 *     if (nh_opt_int(ctx, "--count", optarg, 1, 1000000, &n) < 0)
 *             return NH_EXIT_USAGE;
 */
#include <stdint.h>
#include <nethost/sock.h>

/* A decimal integer from min to max: an optional '-' and digits, nothing
 * else (no '+', spaces, "0x10", and no leading zero: "010" is refused
 * rather than guessed octal or decimal). */
int nh_opt_int(const nh_ctx *ctx, const char *opt, const char *text, long min, long max,
	       long *out);
/* A duration (nh_duration_parse_ms(): "250ms", "1.5s", "2m", a bare
 * number is seconds) from min to max milliseconds. */
int nh_opt_duration_ms(const nh_ctx *ctx, const char *opt, const char *text, int64_t min,
		       int64_t max, int64_t *out);
/* A size in bytes from min to max: decimal digits (as nh_opt_int) and an
 * optional unit, 1024-based and case-insensitive: k, KiB, M, MiB, G, GiB,
 * T, TiB ("64k" = "64KiB" = 65536). "64KB" and fractions are refused. */
int nh_opt_size(const nh_ctx *ctx, const char *opt, const char *text, uint64_t min,
		uint64_t max, uint64_t *out);
/* A numeric address (nh_addr_parse(); no names): "192.0.2.1:80",
 * "[2001:db8::1]:80", or without the port when default_port >= 0. Port 0
 * is refused: an address given on a command line is one to reach or to
 * serve on a known port. */
int nh_opt_addr(const nh_ctx *ctx, const char *opt, const char *text, int default_port,
		nh_addr *out);

/* Run ctx's loop until SIGINT or SIGTERM (watchers for both are added and
 * removed around the run; neither may have one already). Returns the
 * signal's number; 0 when something else stopped the loop
 * (nh_loop_stop()); -errno when the watchers could not be set up or the
 * loop failed (logged through ctx). */
int nh_cli_run_until_signal(const nh_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif
