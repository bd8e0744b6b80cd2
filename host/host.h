/* What the host executable keeps to itself: the config model, the log
 * sink, the metrics registry, contexts. Never installed; plugins reach
 * these only through their nh_ctx (sdk/nh_internal.h says how). */
#ifndef NH_HOST_H
#define NH_HOST_H

#include <stdarg.h>
#include <stdio.h>

#include "nh_internal.h"

/* ---- log (host/log.c) --------------------------------------------- */

enum host_log_target { HOST_LOG_STDERR = 0, HOST_LOG_SYSLOG = 1 };

/* The host's own lines, without a plugin prefix. */
void host_logf(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void host_vlogf(int level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Set the level (NH_LOG_ERR - 1 silences everything); returns the old. */
int host_log_set_level(int level);
/* Parse "error|warn|notice|info|debug": the level or -EINVAL. */
int host_log_level_parse(const char *text);
void host_log_set_target(enum host_log_target target, const char *ident);
/* Timestamps on stderr lines: on for the service, off for CLI commands. */
void host_log_set_stamps(int on);
/* The level every context reads (nh_ctx.log_level). */
const int *host_log_level(void);
/* While lines is an array (NULL: off), every error and warning line is
 * also appended to it, without a timestamp (nethost ctl reload's
 * problems). */
void host_log_capture(struct json_object *lines);
/* nh_host_ops.log */
void host_log_ops_line(const nh_ctx *ctx, int level, const char *msg);

/* ---- metrics registry (host/metrics.c) ----------------------------- */

void *host_series_new(const nh_ctx *ctx, int type, const char *name, const char *help,
		      const char *const *labels);
void host_series_del(void *series);
void *host_histogram_new(const nh_ctx *ctx, const char *name, const char *help,
			 const double *bounds, size_t n_bounds, const char *const *pairs);
/* Every series of ctx goes with it (host_ctx_free calls this). */
void host_metrics_drop_ctx(const nh_ctx *ctx);
int host_metrics_write(FILE *f);
char *host_metrics_text(size_t *len);
/* The same without the series that carry label (NULL: all of them). */
char *host_metrics_text_without(const char *label, size_t *len);
int host_metrics_count(void);

/* ---- contexts (host/ctx.c) ----------------------------------------- */

/* The status builder the service installs (NULL: none, as for CLI). */
void host_set_status(struct json_object *(*fn)(void *arg), void *arg);
/* What runs nh_ctl_call() (the service installs it; NULL: -ENOTSUP). */
typedef int (*host_ctl_fn)(void *arg, const nh_ctx *caller, const char *instance, int argc,
			   char **argv, struct json_object **out);
void host_set_ctl(host_ctl_fn fn, void *arg);
/* A context for instance [plugin instance], or for CLI command cmd.
 * NULL with errno set. */
nh_ctx *host_ctx_new(nh_loop *loop, const char *plugin, const char *instance);
nh_ctx *host_ctx_new_cli(nh_loop *loop, const struct nh_command *cmd);
void host_ctx_free(nh_ctx *ctx);

/* ---- the configuration model (host/ini_file.c) --------------------- */

/* Largest config file read: anything longer is refused, not read. */
#define NH_CONFIG_MAX_BYTES (16u << 20)

struct nh_entry {
	char *key;
	char *value;
	int line;
};

struct nh_config;

struct nh_section {
	struct nh_section_head head; /* first: what the SDK's getters use */
	struct nh_config *cfg;
	int line;       /* line of the [header] */
	char *plugin;   /* "forward" */
	char *instance; /* "web"; the plugin name when the header has none */
	struct nh_entry *entries;
	int n, cap;
};

typedef struct nh_config {
	char *file;
	nh_section **sections;
	int n, cap;
	int errors;     /* problem lines printed, file-wide */
} nh_config;

/* Read and parse an INI file: a regular file of at most
 * NH_CONFIG_MAX_BYTES, opened without blocking. Every syntax problem is
 * reported as FILE:LINE: problem and counted in cfg->errors; NULL when
 * the file cannot be used (reported, one line) or out of memory. */
nh_config *nh_config_load(const char *path);
/* The same from a memory buffer (tests, fuzzing). */
nh_config *nh_config_load_buffer(const char *name, const char *text, size_t len);
void nh_config_free(nh_config *cfg);
nh_section *nh_config_find(const nh_config *cfg, const char *plugin, const char *instance);
/* 1 when both sections hold the same keys and values in the same order. */
int nh_section_same(const nh_section *a, const nh_section *b);
/* Check every key against the plugin's table (NULL table: no keys
 * allowed); reports unknown keys (with a near name's help, if any),
 * repeats of single keys and missing required keys. 0 or -EINVAL. */
int nh_section_check_keys(const nh_section *sec, const struct nh_conf_key *keys);
/* Report a problem against the file (FILE:LINE: msg) and count it. */
void nh_config_error(nh_config *cfg, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
