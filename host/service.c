/* Service mode: load the INI file, create and start one instance per
 * section, run the loop; SIGHUP reloads, SIGTERM/SIGINT stop, SIGUSR1
 * asks every instance to report.
 *
 * A reload is all or nothing: the new file is parsed and every new or
 * changed section is created (create() opens nothing) before anything
 * running is touched. Sections whose text did not change keep their
 * running instance untouched.
 *
 * Under systemd (Type=notify) the host says READY=1 once every instance
 * started, RELOADING=1 ... READY=1 around a reload, STOPPING=1 on the way
 * out, with a STATUS= line each time; without $NOTIFY_SOCKET these cost
 * nothing. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "crash.h"
#include "loader.h"
#include "nh_internal.h"
#include "service.h"

struct instance {
	const struct loaded_plugin *plugin;
	nh_section *sec; /* in the config that created it, or the newer same one */
	nh_ctx *ctx;
	void *state;
	int started;
};

struct generation {
	nh_config *cfg;
	struct instance **inst;
	int n;
};

struct service {
	const struct host_options *opt;
	nh_loop *loop;
	struct loader ld;
	struct generation cur;
	char *pid_file;
	int quit_signal;
	int64_t started_us;   /* monotonic, for the uptime */
	time_t started_at;    /* wall clock, for people */
	int reloads;          /* successful ones */
};

static const struct nh_conf_key host_keys[] = {
	{ "plugin_path", "directories searched for plugins, ':'-separated", 0 },
	{ "log_level", "error, warning, notice, info or debug (default info)", 0 },
	{ "log_target", "stderr (default) or syslog", 0 },
	{ "pid_file", "write the process id here while running", 0 },
	{ "user", "after start-up, run as this user (needs root; drops every capability)", 0 },
	{ "group", "with user: run as this group (default: the user's primary group)", 0 },
	{ NULL, NULL, 0 },
};

struct host_settings {
	const char *plugin_path;
	int log_level;
	enum nh_log_target log_target;
	const char *pid_file;
	uid_t uid; /* (uid_t)-1: keep the user we started as */
	gid_t gid;
	const char *user;
};

/* user = / group = : looked up now, applied after every instance started. */
static void read_identity(nh_section *sec, struct host_settings *hs)
{
	const char *user = NULL, *group = NULL;

	nh_conf_get_str(sec, "user", NULL, &user);
	nh_conf_get_str(sec, "group", NULL, &group);
	if (group && !user)
		nh_conf_error(sec, "group", "needs user = as well");
	if (!user)
		return;
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		nh_conf_error(sec, "user", "'%s': no such user", user);
		return;
	}
	hs->user = user;
	hs->uid = pw->pw_uid;
	hs->gid = pw->pw_gid;
	if (group) {
		struct group *gr = getgrnam(group);
		if (!gr)
			nh_conf_error(sec, "group", "'%s': no such group", group);
		else
			hs->gid = gr->gr_gid;
	}
	if (geteuid() != 0 && geteuid() != hs->uid)
		nh_conf_error(sec, "user", "'%s': switching user needs nethost started as root", user);
}

/* Become hs->uid/gid for good: supplementary groups, gid, then uid (the
 * kernel clears every capability when a root process sets all its uids
 * to non-zero). 0 or -errno. */
static int drop_privileges(const struct host_settings *hs)
{
	if (hs->uid == (uid_t)-1 || (geteuid() == hs->uid && getegid() == hs->gid))
		return 0;
	if (setgroups(1, &hs->gid) < 0 || setresgid(hs->gid, hs->gid, hs->gid) < 0 ||
	    setresuid(hs->uid, hs->uid, hs->uid) < 0) {
		int e = errno;
		nh_logf(NULL, NH_LOG_ERR, "cannot switch to user '%s': %s", hs->user, strerror(e));
		return -e;
	}
	if (hs->uid != 0 && setuid(0) == 0) {
		nh_logf(NULL, NH_LOG_ERR, "privileges still held after switching to '%s'", hs->user);
		return -EPERM;
	}
	nh_logf(NULL, NH_LOG_NOTICE, "running as user %s (uid %ld, gid %ld)", hs->user,
		(long)hs->uid, (long)hs->gid);
	return 0;
}

/* Read [nethost]; problems are reported and counted in cfg. */
static void read_host_settings(nh_config *cfg, const struct host_options *opt,
			       struct host_settings *hs)
{
	nh_section *sec = nh_config_find(cfg, "nethost", "nethost");
	const char *level = "info", *target = "stderr";

	memset(hs, 0, sizeof(*hs));
	hs->log_level = NH_LOG_INFO;
	hs->uid = (uid_t)-1;
	hs->gid = (gid_t)-1;
	if (!sec)
		return;
	nh_section_check_keys(sec, host_keys);
	nh_conf_get_str(sec, "plugin_path", NULL, &hs->plugin_path);
	nh_conf_get_str(sec, "pid_file", NULL, &hs->pid_file);
	nh_conf_get_str(sec, "log_level", "info", &level);
	nh_conf_get_str(sec, "log_target", "stderr", &target);
	int lv = nh_log_level_parse(level);
	if (lv < 0)
		nh_conf_error(sec, "log_level", "'%s': use error, warning, notice, info or debug", level);
	else
		hs->log_level = lv;
	if (strcmp(target, "syslog") == 0)
		hs->log_target = NH_LOG_SYSLOG;
	else if (strcmp(target, "stderr") != 0)
		nh_conf_error(sec, "log_target", "'%s': use stderr or syslog", target);
	read_identity(sec, hs);
}

static void apply_log_settings(const struct host_settings *hs, const struct host_options *opt)
{
	nh_log_set_level(hs->log_level + opt->verbosity);
	nh_log_set_target(hs->log_target, "nethost");
}

static void instance_free(struct instance *in)
{
	if (!in)
		return;
	if (in->state) {
		if (in->started) {
			crash_enter(in->plugin->name, in->sec->instance, "stop()");
			in->plugin->desc->stop(in->state);
		}
		crash_enter(in->plugin->name, in->sec->instance, "destroy()");
		in->plugin->desc->destroy(in->state);
		crash_leave();
	}
	nh_ctx_free(in->ctx);
	free(in);
}

/* Create (not start) the instance for one section; NULL when it fails,
 * with every problem reported. */
static struct instance *instance_create(struct service *svc, nh_section *sec)
{
	nh_error err;
	const struct loaded_plugin *lp = loader_get(&svc->ld, sec->plugin, &err);

	if (!lp) {
		nh_logf(NULL, NH_LOG_ERR, "%s:%d: [%s %s]: %s", sec->cfg->file, sec->line, sec->plugin,
			sec->instance, err.msg);
		sec->cfg->errors++;
		return NULL;
	}
	if (!lp->desc->keys) {
		nh_logf(NULL, NH_LOG_ERR, "%s:%d: [%s %s]: plugin '%s' runs no service instances (CLI only)",
			sec->cfg->file, sec->line, sec->plugin, sec->instance, sec->plugin);
		sec->cfg->errors++;
		return NULL;
	}
	/* Unknown keys are errors, but create() still reads the known ones
	 * so that one run lists every problem in the section. */
	int bad_keys = nh_section_check_keys(sec, lp->desc->keys) < 0;

	struct instance *in = calloc(1, sizeof(*in));
	if (!in || !(in->ctx = nh_ctx_new(svc->loop, sec->plugin, sec->instance))) {
		free(in);
		nh_logf(NULL, NH_LOG_ERR, "[%s %s]: out of memory", sec->plugin, sec->instance);
		sec->cfg->errors++;
		return NULL;
	}
	in->plugin = lp;
	in->sec = sec;
	int errors_before = sec->errors;
	crash_enter(lp->name, sec->instance, "create()");
	int r = lp->desc->create(in->ctx, sec, &in->state);
	crash_leave();
	if (r < 0 || sec->errors != errors_before || bad_keys) {
		/* Getters reported their problems; say so only if nobody did. */
		if (sec->errors == errors_before && !bad_keys)
			nh_logf(NULL, NH_LOG_ERR, "%s:%d: [%s %s]: create failed: %s", sec->cfg->file,
				sec->line, sec->plugin, sec->instance, strerror(r < 0 ? -r : EINVAL));
		sec->cfg->errors++;
		if (r >= 0 && in->state) {
			crash_enter(lp->name, sec->instance, "destroy()");
			lp->desc->destroy(in->state);
			crash_leave();
		}
		in->state = NULL;
		instance_free(in);
		return NULL;
	}
	return in;
}

static int instance_start(struct instance *in)
{
	crash_enter(in->plugin->name, in->sec->instance, "start()");
	int r = in->plugin->desc->start(in->state);
	crash_leave();

	if (r < 0) {
		nh_logf(NULL, NH_LOG_ERR, "[%s %s]: start failed: %s", in->sec->plugin, in->sec->instance,
			strerror(-r));
		return r;
	}
	in->started = 1;
	nh_logf(in->ctx, NH_LOG_INFO, "started");
	return 0;
}

static void generation_free(struct generation *g)
{
	for (int i = g->n - 1; i >= 0; i--)
		instance_free(g->inst[i]);
	free(g->inst);
	nh_config_free(g->cfg);
	memset(g, 0, sizeof(*g));
}

static int generation_has(const struct generation *g, const struct instance *in)
{
	for (int i = 0; g && i < g->n; i++)
		if (g->inst[i] == in)
			return 1;
	return 0;
}

/* Build a generation from cfg: share the instances of old whose section
 * did not change, create the rest. 0 when every section is fine;
 * otherwise -EINVAL with everything reported, the instances created
 * here freed, and old untouched. */
static int generation_build(struct service *svc, nh_config *cfg, const struct generation *old,
			    struct generation *out)
{
	memset(out, 0, sizeof(*out));
	out->cfg = cfg;
	out->inst = calloc((size_t)cfg->n + 1, sizeof(*out->inst));
	if (!out->inst)
		return -ENOMEM;
	for (int i = 0; i < cfg->n; i++) {
		nh_section *sec = cfg->sections[i];
		struct instance *in = NULL;
		if (strcmp(sec->plugin, "nethost") == 0)
			continue;
		for (int j = 0; old && j < old->n && !in; j++)
			if (nh_section_same(old->inst[j]->sec, sec))
				in = old->inst[j];
		if (!in)
			in = instance_create(svc, sec);
		if (in)
			out->inst[out->n++] = in;
	}
	if (cfg->errors == 0)
		return 0;
	for (int i = 0; i < out->n; i++)
		if (!generation_has(old, out->inst[i]))
			instance_free(out->inst[i]);
	free(out->inst);
	memset(out, 0, sizeof(*out));
	return -EINVAL;
}

static int write_pid_file(const char *path)
{
	FILE *f = fopen(path, "we");

	if (!f || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0) {
		nh_logf(NULL, NH_LOG_ERR, "%s: cannot write pid file: %s", path, strerror(errno));
		return -errno;
	}
	return 0;
}

static void set_pid_file(struct service *svc, const char *path)
{
	if (svc->pid_file && (!path || strcmp(svc->pid_file, path) != 0)) {
		unlink(svc->pid_file);
		free(svc->pid_file);
		svc->pid_file = NULL;
	}
	if (path && !svc->pid_file && write_pid_file(path) == 0)
		svc->pid_file = strdup(path);
}

static int instances_started(const struct service *svc)
{
	int n = 0;

	for (int i = 0; i < svc->cur.n; i++)
		n += svc->cur.inst[i]->started;
	return n;
}

/* READY=1 with the running state as STATUS=; note says what happened. */
static void notify_ready(const struct service *svc, const char *note)
{
	int n = instances_started(svc);

	sd_notifyf(0, "READY=1\nSTATUS=%s%srunning %d instance%s from %s", note ? note : "",
		   note ? "; " : "", n, n == 1 ? "" : "s", svc->opt->config_path);
}

static void reload_file(struct service *svc);

static void reload(struct service *svc)
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
}

static void reload_file(struct service *svc)
{
	nh_logf(NULL, NH_LOG_NOTICE, "reloading %s", svc->opt->config_path);
	nh_config *cfg = nh_config_load(svc->opt->config_path);
	if (!cfg) {
		nh_logf(NULL, NH_LOG_ERR, "reload failed; the running configuration stays");
		return;
	}
	struct host_settings hs;
	read_host_settings(cfg, svc->opt, &hs);
	struct generation next;
	if (cfg->errors || generation_build(svc, cfg, &svc->cur, &next) < 0) {
		nh_logf(NULL, NH_LOG_ERR, "%s: %d problem%s; the running configuration stays",
			cfg->file, cfg->errors, cfg->errors == 1 ? "" : "s");
		nh_config_free(cfg);
		return;
	}
	apply_log_settings(&hs, svc->opt);
	/* Stop what is gone or changed first: a changed instance may need
	 * its old port back. */
	int kept = 0, started = 0, stopped = 0;
	for (int i = 0; i < svc->cur.n; i++) {
		struct instance *in = svc->cur.inst[i];
		if (generation_has(&next, in)) {
			in->sec = nh_config_find(cfg, in->sec->plugin, in->sec->instance);
			kept++;
		} else {
			nh_logf(in->ctx, NH_LOG_INFO, "stopped (reload)");
			instance_free(in);
			stopped++;
		}
	}
	svc->cur.n = 0;
	for (int i = 0; i < next.n; i++) {
		struct instance *in = next.inst[i];
		if (in->started)
			continue;
		if (instance_start(in) < 0) {
			instance_free(in);
			next.inst[i] = NULL;
			continue;
		}
		started++;
	}
	/* Compact away instances that failed to start. */
	int n = 0;
	for (int i = 0; i < next.n; i++)
		if (next.inst[i])
			next.inst[n++] = next.inst[i];
	next.n = n;
	generation_free(&svc->cur);
	svc->cur = next;
	set_pid_file(svc, hs.pid_file);
	svc->reloads++;
	nh_logf(NULL, NH_LOG_NOTICE, "reloaded: %d kept, %d stopped, %d started", kept, stopped,
		started);
}

static void on_signal(nh_loop *loop, int signo, void *arg)
{
	struct service *svc = arg;

	switch (signo) {
	case SIGHUP:
		reload(svc);
		break;
	case SIGUSR1:
		for (int i = 0; i < svc->cur.n; i++) {
			struct instance *in = svc->cur.inst[i];
			if (!in->plugin->desc->report)
				continue;
			crash_enter(in->plugin->name, in->sec->instance, "report()");
			in->plugin->desc->report(in->state);
			crash_leave();
		}
		break;
	default:
		svc->quit_signal = signo;
		nh_loop_stop(loop);
	}
}

/* The host's status for nh_status_json(): built on demand. */
static struct json_object *status_build(void *arg)
{
	const struct service *svc = arg;
	struct json_object *o = json_object_new_object();
	struct json_object *plugins = json_object_new_array(), *insts = json_object_new_array();
	char abi[16], when[32];
	struct tm tm;

	if (!o || !plugins || !insts) {
		json_object_put(o);
		json_object_put(plugins);
		json_object_put(insts);
		return NULL;
	}
	snprintf(abi, sizeof(abi), "%d.%d", NH_ABI_MAJOR, NH_ABI_MINOR);
	gmtime_r(&svc->started_at, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	nh_json_add_str(o, "version", PACKAGE_VERSION);
	nh_json_add_str(o, "abi", abi);
	nh_json_add_int(o, "pid", (int64_t)getpid());
	nh_json_add_str(o, "config_file", svc->opt->config_path);
	nh_json_add_str(o, "started", when);
	/* Milliseconds are plenty, and print as such rather than as the
	 * nearest double's 17 digits. */
	char uptime[32];
	snprintf(uptime, sizeof(uptime), "%.3f", (double)(nh_now_us() - svc->started_us) / 1e6);
	json_object_object_add(o, "uptime_seconds", json_object_new_double_s(strtod(uptime, NULL), uptime));
	nh_json_add_int(o, "reloads", svc->reloads);
	for (int i = 0; i < svc->ld.nloaded; i++) {
		const struct loaded_plugin *lp = svc->ld.loaded[i];
		if (!lp->desc)
			continue;
		struct json_object *p = json_object_new_object();
		nh_json_add_str(p, "name", lp->desc->name);
		nh_json_add_str(p, "version", lp->desc->version);
		nh_json_add_str(p, "file", lp->path);
		json_object_array_add(plugins, p);
	}
	for (int i = 0; i < svc->cur.n; i++) {
		const struct instance *in = svc->cur.inst[i];
		struct json_object *p = json_object_new_object();
		nh_json_add_str(p, "plugin", in->sec->plugin);
		nh_json_add_str(p, "name", in->sec->instance);
		nh_json_add_bool(p, "started", in->started);
		json_object_array_add(insts, p);
	}
	json_object_object_add(o, "plugins", plugins);
	json_object_object_add(o, "instances", insts);
	return o;
}

/* Load the file and create every instance; 0 or exit code 2. */
static int service_prepare(struct service *svc, const struct host_options *opt,
			   struct host_settings *hs)
{
	memset(svc, 0, sizeof(*svc));
	svc->opt = opt;
	if (!(svc->loop = nh_loop_new())) {
		nh_logf(NULL, NH_LOG_ERR, "cannot create event loop: %s", strerror(errno));
		return 2;
	}
	crash_watch_loop(svc->loop);
	nh_config *cfg = nh_config_load(opt->config_path);
	if (!cfg)
		return 2;
	read_host_settings(cfg, opt, hs);
	apply_log_settings(hs, opt);
	if (loader_init(&svc->ld, opt->plugin_path, hs->plugin_path) < 0) {
		nh_config_free(cfg);
		return 2;
	}
	if (generation_build(svc, cfg, NULL, &svc->cur) < 0 || cfg->errors) {
		nh_logf(NULL, NH_LOG_ERR, "%s: %d problem%s", cfg->file, cfg->errors,
			cfg->errors == 1 ? "" : "s");
		nh_config_free(cfg);
		return 2;
	}
	return 0;
}

static void service_cleanup(struct service *svc)
{
	nh_status_set_provider(NULL, NULL);
	generation_free(&svc->cur);
	set_pid_file(svc, NULL);
	loader_free(&svc->ld);
	crash_watch_loop(NULL);
	nh_loop_free(svc->loop);
}

int service_test(const struct host_options *opt)
{
	struct service svc;
	struct host_settings hs;
	int code = service_prepare(&svc, opt, &hs);

	if (code == 0)
		fprintf(stderr, "nethost: %s: configuration is valid (%d instance%s)\n",
			opt->config_path, svc.cur.n, svc.cur.n == 1 ? "" : "s");
	else
		fprintf(stderr, "nethost: %s: configuration test failed\n", opt->config_path);
	service_cleanup(&svc);
	return code;
}

int service_run(const struct host_options *opt)
{
	struct service svc;
	struct host_settings hs;
	int code = service_prepare(&svc, opt, &hs);

	if (code) {
		service_cleanup(&svc);
		return code;
	}
	static const int signals[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1 };
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (!nh_signal_add(svc.loop, signals[i], on_signal, &svc)) {
			nh_logf(NULL, NH_LOG_ERR, "cannot watch signal %d: %s", signals[i], strerror(errno));
			service_cleanup(&svc);
			return 1;
		}
	signal(SIGPIPE, SIG_IGN);
	svc.started_us = nh_now_us();
	svc.started_at = time(NULL);
	nh_status_set_provider(status_build, &svc);

	for (int i = 0; i < svc.cur.n; i++)
		if (instance_start(svc.cur.inst[i]) < 0) {
			sd_notifyf(0, "STATUS=[%s %s] failed to start", svc.cur.inst[i]->sec->plugin,
				   svc.cur.inst[i]->sec->instance);
			service_cleanup(&svc);
			return 1;
		}
	set_pid_file(&svc, hs.pid_file);
	/* Privileged sockets are open now: give up what opened them. */
	if (drop_privileges(&hs) < 0) {
		service_cleanup(&svc);
		return 1;
	}
	nh_logf(NULL, NH_LOG_NOTICE, "nethost %s running %d instance%s from %s (pid %ld)",
		PACKAGE_VERSION, svc.cur.n, svc.cur.n == 1 ? "" : "s", opt->config_path,
		(long)getpid());
	notify_ready(&svc, NULL);

	int r = nh_loop_run(svc.loop);
	if (r < 0)
		nh_logf(NULL, NH_LOG_ERR, "event loop failed: %s", strerror(-r));
	if (svc.quit_signal)
		nh_logf(NULL, NH_LOG_NOTICE, "%s received, stopping", strsignal(svc.quit_signal));
	sd_notifyf(0, "STOPPING=1\nSTATUS=stopping%s%s", svc.quit_signal ? " on " : "",
		   svc.quit_signal ? sigabbrev_np(svc.quit_signal) : "");
	service_cleanup(&svc);
	return r < 0 ? 1 : 0;
}
