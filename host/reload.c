/* Generations and SIGHUP. A reload is a transaction: the new file is
 * parsed and every new or changed section created (create() opens
 * nothing) before anything running is touched; then the old instances
 * the file changes or removes are stopped (a changed one may need its old
 * port) and the new ones started. If one start() fails, the new ones are
 * stopped and the old ones created and started again from their old
 * sections: the running configuration stays, [nethost] included. Between
 * the creates and the first stop, a changed section's new instance is told
 * which old one it replaces (succeed()), so that it can take over. The old
 * config and its loader live until the new generation is committed.
 * Unchanged instances re-read their files (refresh(), plugin.h) in two
 * phases around all that: prepared before anything stops, committed with
 * the generation, aborted with a refused reload. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "service_internal.h"

static int same_text(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

struct loader *loader_for(struct service *svc, const char *ini_path)
{
	if (svc->ld && same_text(svc->ld_ini_path, ini_path))
		return svc->ld;
	struct loader **grown = realloc(svc->loaders, (size_t)(svc->nloaders + 1) * sizeof(*grown));
	struct loader *ld = malloc(sizeof(*ld));
	if (grown)
		svc->loaders = grown;
	if (!grown || !ld || loader_init(ld, svc->opt->plugin_path, ini_path) < 0) {
		host_logf(NH_LOG_ERR, "cannot set up the plugin loader: out of memory");
		free(ld);
		return NULL;
	}
	svc->loaders[svc->nloaders++] = ld;
	return ld;
}

static int loader_used(const struct service *svc, const struct loader *ld)
{
	for (int i = 0; i < svc->cur.n; i++)
		if (svc->cur.inst[i]->ld == ld)
			return 1;
	return 0;
}

void loaders_prune(struct service *svc)
{
	int n = 0;

	for (int i = 0; i < svc->nloaders; i++) {
		struct loader *ld = svc->loaders[i];
		if (ld == svc->ld || loader_used(svc, ld)) {
			svc->loaders[n++] = ld;
			continue;
		}
		loader_free(ld);
		free(ld);
	}
	svc->nloaders = n;
}

void loaders_free(struct service *svc)
{
	for (int i = 0; i < svc->nloaders; i++) {
		loader_free(svc->loaders[i]);
		free(svc->loaders[i]);
	}
	free(svc->loaders);
	svc->loaders = NULL;
	svc->nloaders = 0;
	svc->ld = NULL;
	free(svc->ld_ini_path);
	svc->ld_ini_path = NULL;
}

void generation_free(struct generation *g)
{
	for (int i = g->n - 1; i >= 0; i--)
		instance_free(g->inst[i]);
	free(g->inst);
	nh_config_free(g->cfg);
	memset(g, 0, sizeof(*g));
}

int generation_has(const struct generation *g, const struct instance *in)
{
	for (int i = 0; g && i < g->n; i++)
		if (g->inst[i] == in)
			return 1;
	return 0;
}

/* A running instance carries over when its text did not change and ld
 * finds the same plugin file for it (plugin_path may have changed). */
static int carries_over(const struct instance *in, const nh_section *sec, struct loader *ld)
{
	if (!nh_section_same(in->sec, sec))
		return 0;
	if (in->ld == ld)
		return 1;
	const struct loaded_plugin *lp = loader_get(ld, sec->plugin, NULL);
	return lp && strcmp(lp->path, in->plugin->path) == 0;
}

/* Free next's own instances (started or not; the last first) and its
 * list; those it shares with cur stay. Its config is the caller's. */
static void generation_drop(const struct generation *cur, struct generation *next)
{
	for (int i = next->n - 1; i >= 0; i--)
		if (!generation_has(cur, next->inst[i]))
			instance_free(next->inst[i]);
	free(next->inst);
}

int generation_build(nh_loop *loop, struct loader *ld, nh_config *cfg,
		     const struct generation *old, struct generation *out)
{
	memset(out, 0, sizeof(*out));
	out->cfg = cfg;
	out->inst = calloc((size_t)cfg->n + 1, sizeof(*out->inst));
	if (!out->inst) {
		out->cfg = NULL;
		nh_config_error(cfg, 0, "out of memory");
		return -ENOMEM;
	}
	for (int i = 0; i < cfg->n; i++) {
		nh_section *sec = cfg->sections[i];
		struct instance *in = NULL;
		if (strcmp(sec->plugin, "nethost") == 0)
			continue;
		for (int j = 0; old && j < old->n && !in; j++)
			if (carries_over(old->inst[j], sec, ld))
				in = old->inst[j];
		if (!in)
			in = instance_create(loop, ld, sec);
		if (in)
			out->inst[out->n++] = in;
	}
	if (cfg->errors == 0)
		return 0;
	generation_drop(old, out);
	memset(out, 0, sizeof(*out));
	return -EINVAL;
}

/* PREPARE every kept instance's refresh(): 1 in prepared[i] for each
 * that has something to commit or abort. NULL when all prepared, else
 * the kept instance that refused (its PREPARE said why), the others
 * aborted already. */
static struct instance *refresh_prepare(const struct generation *cur, const struct generation *next,
					char *prepared)
{
	for (int i = 0; i < next->n; i++) {
		struct instance *in = next->inst[i];
		if (!generation_has(cur, in))
			continue;
		int r = instance_refresh(in, NH_REFRESH_PREPARE);
		if (r < 0) {
			for (int j = 0; j < i; j++)
				if (prepared[j])
					instance_refresh(next->inst[j], NH_REFRESH_ABORT);
			return in;
		}
		prepared[i] = r == 0;
	}
	return NULL;
}

static void refresh_end(const struct generation *next, const char *prepared, int phase)
{
	for (int i = 0; i < next->n; i++)
		if (prepared[i])
			instance_refresh(next->inst[i], phase);
}

/* Before anything stops: tell each new instance of a changed section
 * which running one it replaces (the descriptor's succeed(), plugin.h). */
static void tell_successors(const struct generation *cur, const struct generation *next)
{
	for (int i = 0; i < next->n; i++) {
		struct instance *in = next->inst[i];
		if (generation_has(cur, in))
			continue;
		for (int j = 0; j < cur->n; j++)
			if (instance_succeeds(in, cur->inst[j])) {
				instance_succeed(in, cur->inst[j]);
				break;
			}
	}
}

/* Stop what next changes or removes: retired, not freed, so that a
 * refused reload can bring it back. Returns how many. */
static int retire_replaced(struct generation *cur, const struct generation *next)
{
	int n = 0;

	for (int i = 0; i < cur->n; i++)
		if (!generation_has(next, cur->inst[i])) {
			nh_logf(cur->inst[i]->ctx, NH_LOG_INFO, "stopped (reload)");
			instance_retire(cur->inst[i]);
			n++;
		}
	return n;
}

/* Start next's new instances in order; the first that fails stops the
 * rest. NULL when all started, else the one that failed (its errno in *r). */
static struct instance *start_new(struct generation *next, int *started, int *r)
{
	*started = 0;
	for (int i = 0; i < next->n; i++) {
		struct instance *in = next->inst[i];
		if (in->started)
			continue;
		if ((*r = instance_start(in)) < 0)
			return in;
		(*started)++;
	}
	return NULL;
}

/* Undo: free next's own instances (started or not), then create and
 * start the retired ones of cur again. Whatever cannot come back is
 * dropped and said so. */
static int roll_back(struct service *svc, struct generation *next)
{
	int restored = 0;

	generation_drop(&svc->cur, next);
	nh_config_free(next->cfg);

	int n = 0;
	for (int i = 0; i < svc->cur.n; i++) {
		struct instance *in = svc->cur.inst[i];
		if (in->ctx) { /* kept, never stopped */
			svc->cur.inst[n++] = in;
			continue;
		}
		if (instance_restore(svc->loop, in) < 0) {
			host_logf(NH_LOG_ERR, "[%s %s]: could not be restarted after the refused reload; "
				  "it stays stopped", in->sec->plugin, in->sec->instance);
			instance_free(in);
			continue;
		}
		restored++;
		svc->cur.inst[n++] = in;
	}
	svc->cur.n = n;
	return restored;
}

/* Make next the running generation: free the retired old instances,
 * point the kept ones at their sections in the new file, drop the old
 * file, apply [nethost]. */
static void commit(struct service *svc, struct generation *next, struct loader *ld,
		   const struct host_settings *hs)
{
	for (int i = 0; i < svc->cur.n; i++) {
		struct instance *in = svc->cur.inst[i];
		if (generation_has(next, in))
			in->sec = nh_config_find(next->cfg, in->sec->plugin, in->sec->instance);
		else
			instance_free(in);
	}
	free(svc->cur.inst);
	nh_config_free(svc->cur.cfg);
	svc->cur = *next;
	if (ld != svc->ld) {
		char *path = hs->plugin_path ? strdup(hs->plugin_path) : NULL;
		free(svc->ld_ini_path);
		svc->ld_ini_path = path;
		svc->ld = ld;
	}
	apply_log_settings(hs, svc->opt);
	set_pid_file(svc, hs->pid_file);
	control_apply(svc, hs->control);
	svc->reloads++;
}

/* Parse, build, then stop/start as a transaction; see the top. */
static void reload_file(struct service *svc)
{
	const char *path = svc->opt->config_path;

	host_logf(NH_LOG_NOTICE, "reloading %s", path);
	nh_config *cfg = nh_config_load(path);
	if (!cfg) {
		host_logf(NH_LOG_ERR, "reload refused: %s cannot be used; the running configuration stays",
			  path);
		return;
	}
	struct host_settings hs;
	read_host_settings(cfg, &hs);
	struct loader *ld = cfg->errors ? NULL : loader_for(svc, hs.plugin_path);
	if (!cfg->errors && !ld) {
		host_logf(NH_LOG_ERR, "reload refused: out of memory; the running configuration stays");
		nh_config_free(cfg);
		return;
	}
	struct generation next;
	if (!ld || generation_build(svc->loop, ld, cfg, &svc->cur, &next) < 0) {
		host_logf(NH_LOG_ERR, "reload refused: %s: %d problem%s; the running configuration stays",
			  cfg->file, cfg->errors, cfg->errors == 1 ? "" : "s");
		nh_config_free(cfg);
		loaders_prune(svc);
		return;
	}
	int kept = 0, started, r = 0;
	for (int i = 0; i < next.n; i++)
		kept += generation_has(&svc->cur, next.inst[i]);
	char *prepared = calloc((size_t)next.n + 1, 1);
	struct instance *stale = prepared ? refresh_prepare(&svc->cur, &next, prepared) : NULL;
	if (!prepared || stale) {
		if (stale)
			host_logf(NH_LOG_ERR, "reload refused: [%s %s] cannot re-read its files; the "
				  "running configuration stays", stale->sec->plugin, stale->sec->instance);
		else
			host_logf(NH_LOG_ERR, "reload refused: out of memory; the running configuration stays");
		free(prepared);
		generation_drop(&svc->cur, &next);
		nh_config_free(next.cfg);
		loaders_prune(svc);
		return;
	}
	tell_successors(&svc->cur, &next);
	int stopped = retire_replaced(&svc->cur, &next);
	struct instance *failed = start_new(&next, &started, &r);
	if (failed) {
		/* Its section lives in next's config, which roll_back frees. */
		char what[2 * NH_NAME_MAX + 8];
		snprintf(what, sizeof(what), "[%s %s]", failed->sec->plugin, failed->sec->instance);
		refresh_end(&next, prepared, NH_REFRESH_ABORT);
		free(prepared);
		int restored = roll_back(svc, &next);
		loaders_prune(svc);
		host_logf(NH_LOG_ERR, "reload refused: %s start failed: %s; the running configuration "
			  "stays (%d new instance%s stopped, %d of %d old one%s restarted)", what,
			  strerror(-r), started, started == 1 ? "" : "s", restored, stopped,
			  stopped == 1 ? "" : "s");
		return;
	}
	refresh_end(&next, prepared, NH_REFRESH_COMMIT);
	free(prepared);
	commit(svc, &next, ld, &hs);
	loaders_prune(svc);
	host_logf(NH_LOG_NOTICE, "reloaded: %d kept, %d stopped, %d started", kept, stopped,
		  started);
}

int reload(struct service *svc)
{
	struct timespec ts;

	/* systemd wants the reload's start time with RELOADING=1 (253+). */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	sd_notifyf(0, "RELOADING=1\nSTATUS=reloading %s\nMONOTONIC_USEC=%llu",
		   svc->opt->config_path,
		   (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000);
	int before = svc->reloads;
	reload_file(svc);
	notify_ready(svc, svc->reloads != before ? "reloaded" :
			  "reload failed, the running configuration stays");
	return svc->reloads != before ? 0 : -EINVAL;
}
