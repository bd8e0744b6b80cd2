/* The context the host hands to every plugin instance and CLI command.
 *
 * Every host service a plugin may use goes through it: the event loop,
 * the log (log.h), metrics (metrics.h), the host's status (json.h). A
 * plugin never reaches into the host executable, and libnethost keeps no
 * state of its own. The host owns the context; it stays valid until the
 * instance's destroy() or the command's run() returns.
 */
#ifndef NETHOST_CTX_H
#define NETHOST_CTX_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nh_ctx nh_ctx;
typedef struct nh_loop nh_loop;

/* The event loop this instance or command runs on. */
nh_loop *nh_ctx_loop(const nh_ctx *ctx);
/* "plugin/instance" for services, "command" for CLI commands. */
const char *nh_ctx_name(const nh_ctx *ctx);
/* The plugin's name ("forward"); the command for CLI. */
const char *nh_ctx_plugin(const nh_ctx *ctx);
/* The instance name alone ("web" in [forward web]); the command for CLI. */
const char *nh_ctx_instance(const nh_ctx *ctx);

/* The ABI the running host speaks (NH_ABI_VERSION of its SDK), which may
 * be newer than the one the plugin was built with (never older: the loader
 * refuses that), for a log line or a bug report. */
uint32_t nh_abi_host(void);

#ifdef __cplusplus
}
#endif
#endif
