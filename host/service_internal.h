/* What the service's files share (host/service.c and the files it was
 * split into): never seen outside the host executable. One section per
 * file. */
#ifndef NH_HOST_SERVICE_INTERNAL_H
#define NH_HOST_SERVICE_INTERNAL_H

#include <sys/types.h>
#include <time.h>

#include "host.h"
#include "loader.h"
#include "service.h"

/* One running (or about to run) [plugin instance]. */
struct instance {
	struct loader *ld; /* its plugin's loader: lives at least as long */
	const struct loaded_plugin *plugin;
	nh_section *sec; /* in the config that created it, or the newer same one */
	nh_ctx *ctx;     /* NULL while retired (see instance_retire) */
	void *state;
	int started;
};

/* The instances one config file made. */
struct generation {
	nh_config *cfg;
	struct instance **inst;
	int n;
};

/* What [nethost] says. */
struct host_settings {
	const char *plugin_path;
	int log_level;
	enum host_log_target log_target;
	const char *pid_file;
	uid_t uid; /* (uid_t)-1: keep the user we started as */
	gid_t gid;
	const char *user;
	const char *control; /* the control socket's path, or NULL: none */
	char control_buf[108]; /* sizeof(sun_path): the default path, when control points here */
};

struct service {
	const struct host_options *opt;
	nh_loop *loop;
	/* Every loader still in use, the current generation's last: a
	 * plugin_path change on reload makes a new one, and the old one
	 * stays until no instance uses its plugins (reload.c). */
	struct loader **loaders;
	int nloaders;
	struct loader *ld;    /* the current generation's */
	char *ld_ini_path;    /* the [nethost] plugin_path ld was built with */
	struct generation cur;
	char *pid_file;
	int quit_signal;
	int64_t started_us;   /* monotonic, for the uptime */
	time_t started_at;    /* wall clock, for people */
	int reloads;          /* successful ones */
	int ctl_running;      /* inside a control command's run(): no nesting */
	struct control *control; /* the control socket, or NULL */
};

/* ---- instance lifecycle (instance.c) ------------------------------- */

/* Create (not start) the instance for sec with a plugin from ld; NULL
 * when it fails, with every problem reported and counted in sec->cfg. */
struct instance *instance_create(nh_loop *loop, struct loader *ld, nh_section *sec);
/* start(); logs "started" or why not. 0 or -errno. */
int instance_start(struct instance *in);
/* stop() when started, destroy(), free the context; the instance keeps
 * its plugin and section so that instance_restore() can bring it back. */
void instance_retire(struct instance *in);
/* create() and start() a retired instance again from its section. */
int instance_restore(nh_loop *loop, struct instance *in);
/* Retire and free; NULL is fine. */
void instance_free(struct instance *in);
/* 1 when in, created by a reload, replaces the running pred: the same
 * section name of the same plugin file (their texts differ, or pred
 * would have been kept). */
int instance_succeeds(const struct instance *in, const struct instance *pred);
/* The plugin's succeed(in's state, pred's), if it has one. */
void instance_succeed(struct instance *in, struct instance *pred);
/* The plugin's refresh(state, phase) (plugin.h). PREPARE: 0, -errno
 * (logged), or 1 when the instance has no refresh() or is not running
 * (nothing to commit or abort). COMMIT and ABORT return 0. */
int instance_refresh(struct instance *in, int phase);
/* The plugin's report(), if it has one (SIGUSR1). */
void instance_report(struct instance *in);
/* in's control command name; NULL when it has none or is not started. */
const struct nh_ctl_command *instance_ctl_find(const struct instance *in, const char *name);
/* Run control command c of in (a started instance): its exit code. */
int instance_ctl(struct instance *in, const struct nh_ctl_command *c, int argc, char **argv,
		 nh_ctl_reply *reply);

/* ---- generations and reload (reload.c) ----------------------------- */

/* Build a generation from cfg with plugins from ld: share the instances
 * of old whose section and plugin file did not change, create the rest.
 * 0, or -EINVAL with every problem reported, what was created here
 * freed, and old untouched. */
int generation_build(nh_loop *loop, struct loader *ld, nh_config *cfg,
		     const struct generation *old, struct generation *out);
/* Free every instance and the config. */
void generation_free(struct generation *g);
int generation_has(const struct generation *g, const struct instance *in);
/* SIGHUP (and nethost ctl reload): re-read the file; applied whole or
 * not at all. 0 applied, -EINVAL refused (every problem logged). */
int reload(struct service *svc);
/* The loader for [nethost] plugin_path = ini_path: the current one when
 * the path did not change, else a new one added to svc->loaders (made
 * current only when its generation is committed). NULL when out of
 * memory (logged). */
struct loader *loader_for(struct service *svc, const char *ini_path);
/* Free every loader but the current one that no instance uses. */
void loaders_prune(struct service *svc);
/* Free them all (service end). */
void loaders_free(struct service *svc);

/* ---- the service (service.c) -------------------------------------- */

/* READY=1 with the running state as STATUS=; note says what happened. */
void notify_ready(const struct service *svc, const char *note);

/* ---- [nethost] settings (settings.c) ------------------------------- */

/* Read [nethost]; problems are reported and counted in cfg. */
void read_host_settings(nh_config *cfg, struct host_settings *hs);
void apply_log_settings(const struct host_settings *hs, const struct host_options *opt);

/* ---- privileges (privileges.c) ------------------------------------- */

/* user = / group = of sec: looked up now, applied after start-up. */
void read_identity(nh_section *sec, struct host_settings *hs);
/* Become hs->uid/gid for good. 0 or -errno (logged). */
int drop_privileges(const struct host_settings *hs);

/* ---- pid file (pidfile.c) ------------------------------------------ */

/* key = PATH (pid_file, control): its directory must exist and be
 * writable now, not at the first write. Reports against sec. */
void check_file_dir(nh_section *sec, const char *key, const char *path);
/* Write path (NULL: none), removing the previous one if it differs. */
void set_pid_file(struct service *svc, const char *path);

/* ---- the control socket (control.c) -------------------------------- */

/* Largest request a client may send (one line of JSON). */
#define CTL_REQUEST_MAX 16384

/* Listen on path (0600, owned by hs->uid/gid when the service changes
 * user), after the instances started. 0 or -errno (logged). */
int control_open(struct service *svc, const char *path, const struct host_settings *hs);
/* After a reload: move the socket when [nethost] control changed (a
 * failure is logged and the old socket stays). */
void control_apply(struct service *svc, const char *path);
/* Close the socket and every client. */
void control_close(struct service *svc);
/* Where it listens (svc->control is set). */
const char *control_path(const struct service *svc);

/* ---- control commands (ctl_dispatch.c) ----------------------------- */

/* Run one request (argv as the client sent it): a fresh response
 * {"code": N, "reply": {...}} or {"code": N, "error": "..."}; NULL when
 * out of memory. *stop is set when the service should stop once the
 * response went out. */
struct json_object *ctl_dispatch(struct service *svc, int argc, char **argv, int *stop);

/* The instance "plugin/name" of the running generation, or NULL. */
struct instance *ctl_find_instance(const struct service *svc, const char *name);
/* Run in's control command argv[0]: {"code": N, "reply": {...}} or
 * {"code": N, "error": "..."} in *out (the caller's). The exit code, or
 * -errno with *out NULL (-ENOENT: no such command, -EBUSY: nested,
 * -ENOMEM). */
int ctl_run_instance(struct service *svc, struct instance *in, int argc, char **argv,
		     struct json_object **out);
/* nh_ctl_call() for plugins (host_set_ctl). */
int ctl_plugin_call(void *arg, const nh_ctx *caller, const char *instance, int argc, char **argv,
		    struct json_object **out);

/* ---- status JSON (status.c) ---------------------------------------- */

/* The host's status for nh_host_status(): built on demand; arg is the
 * service. */
struct json_object *status_build(void *arg);

#endif
