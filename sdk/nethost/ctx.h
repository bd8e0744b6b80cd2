/* The context the host hands to every plugin instance and CLI command.
 *
 * It carries the host services a plugin may use (the event loop, a log
 * prefix) so plugins never reach into the host executable. The host owns
 * it; it stays valid until the instance's destroy() or the command's
 * run() returns.
 */
#ifndef NETHOST_CTX_H
#define NETHOST_CTX_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nh_ctx nh_ctx;
typedef struct nh_loop nh_loop;

/* The event loop this instance or command runs on. */
nh_loop *nh_ctx_loop(const nh_ctx *ctx);
/* "plugin/instance" for services, "command" for CLI commands. */
const char *nh_ctx_name(const nh_ctx *ctx);
/* The instance name alone ("web" in [forward web]); the command for CLI. */
const char *nh_ctx_instance(const nh_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif
