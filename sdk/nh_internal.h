/* Private to libnethost and the host executable: never installed, never
 * included by plugins. */
#ifndef NH_INTERNAL_H
#define NH_INTERNAL_H

#include <nethost/nethost.h>

struct nh_ctx {
	nh_loop *loop;
	char name[160];     /* "plugin/instance" or "command" */
	char plugin[64];    /* "forward"; the command for CLI contexts */
	char instance[128];
	const struct nh_command *cmd; /* CLI commands only */
};

/* name is "plugin/instance", or the command name for CLI contexts. */
nh_ctx *nh_ctx_new(nh_loop *loop, const char *plugin, const char *instance);
nh_ctx *nh_ctx_new_cli(nh_loop *loop, const struct nh_command *cmd);
void nh_ctx_free(nh_ctx *ctx);

/* Called by nh_ctx_free() before the context goes (metrics.c sets it
 * when the first series is created). */
void nh_ctx_set_release_hook(void (*fn)(const nh_ctx *ctx));

/* The host publishes its status through a function that builds it on
 * demand (fresh JSON object, or NULL); fn NULL withdraws it. */
void nh_status_set_provider(struct json_object *(*fn)(void *arg), void *arg);

/* Timestamps on stderr lines: on for the service, off for CLI commands. */
void nh_log_set_stamps(int on);

/* ---- the configuration model -------------------------------------- */

struct nh_entry {
	char *key;
	char *value;
	int line;
};

struct nh_config;

struct nh_section {
	struct nh_config *cfg;
	int line;       /* line of the [header] */
	char *plugin;   /* "forward" */
	char *instance; /* "web"; the plugin name when the header has none */
	struct nh_entry *entries;
	int n, cap;
	int errors;     /* problems reported against this section */
};

typedef struct nh_config {
	char *file;
	nh_section **sections;
	int n, cap;
	int errors;     /* every problem reported, file-wide */
} nh_config;

/* Read and parse an INI file. Every syntax problem is reported as
 * FILE:LINE: problem and counted in cfg->errors; NULL only when out of
 * memory or the file cannot be opened (reported too). */
nh_config *nh_config_load(const char *path);
/* The same from a memory buffer (tests, fuzzing). */
nh_config *nh_config_load_buffer(const char *name, const char *text, size_t len);
void nh_config_free(nh_config *cfg);
nh_section *nh_config_find(const nh_config *cfg, const char *plugin, const char *instance);
/* 1 when both sections hold the same keys and values in the same order. */
int nh_section_same(const nh_section *a, const nh_section *b);
/* Check every key against the plugin's table (NULL table: no keys
 * allowed); reports unknown keys and repeats of single keys. 0 or -EINVAL. */
int nh_section_check_keys(const nh_section *sec, const struct nh_conf_key *keys);

#endif
