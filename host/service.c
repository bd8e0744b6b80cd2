/* Service mode: load the INI file, create and start one instance per
 * section, run the loop; SIGHUP reloads (reload.c), SIGTERM/SIGINT stop,
 * SIGUSR1 asks every instance to report.
 *
 * Under systemd (Type=notify) the host says READY=1 once every instance
 * started, RELOADING=1 ... READY=1 around a reload, STOPPING=1 on the way
 * out, with a STATUS= line each time; without $NOTIFY_SOCKET these cost
 * nothing. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "crash.h"
#include "service_internal.h"

static int instances_started(const struct service *svc)
{
	int n = 0;

	for (int i = 0; i < svc->cur.n; i++)
		n += svc->cur.inst[i]->started;
	return n;
}

void notify_ready(const struct service *svc, const char *note)
{
	int n = instances_started(svc);

	sd_notifyf(0, "READY=1\nSTATUS=%s%srunning %d instance%s from %s", note ? note : "",
		   note ? "; " : "", n, n == 1 ? "" : "s", svc->opt->config_path);
}

static void on_signal(nh_loop *loop, int signo, void *arg)
{
	struct service *svc = arg;

	switch (signo) {
	case SIGHUP:
		reload(svc);
		break;
	case SIGUSR1:
		for (int i = 0; i < svc->cur.n; i++)
			instance_report(svc->cur.inst[i]);
		break;
	default:
		svc->quit_signal = signo;
		nh_loop_stop(loop);
	}
}

/* Load the file and create every instance; 0 or exit code 2. */
static int service_prepare(struct service *svc, const struct host_options *opt,
			   struct host_settings *hs)
{
	memset(svc, 0, sizeof(*svc));
	svc->opt = opt;
	if (!(svc->loop = nh_loop_new())) {
		host_logf(NH_LOG_ERR, "cannot create event loop: %s", strerror(errno));
		return 2;
	}
	crash_watch_loop(svc->loop);
	nh_config *cfg = nh_config_load(opt->config_path);
	if (!cfg)
		return 2;
	read_host_settings(cfg, hs);
	apply_log_settings(hs, opt);
	if (!(svc->ld = loader_for(svc, hs->plugin_path)) ||
	    (hs->plugin_path && !(svc->ld_ini_path = strdup(hs->plugin_path)))) {
		nh_config_free(cfg);
		return 2;
	}
	if (generation_build(svc->loop, svc->ld, cfg, NULL, &svc->cur) < 0 || cfg->errors) {
		host_logf(NH_LOG_ERR, "%s: %d problem%s", cfg->file, cfg->errors,
			cfg->errors == 1 ? "" : "s");
		generation_free(&svc->cur);
		nh_config_free(cfg);
		return 2;
	}
	return 0;
}

static void service_cleanup(struct service *svc)
{
	host_set_status(NULL, NULL);
	host_set_ctl(NULL, NULL);
	control_close(svc);
	generation_free(&svc->cur);
	set_pid_file(svc, NULL);
	loaders_free(svc);
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
			host_logf(NH_LOG_ERR, "cannot watch signal %d: %s", signals[i], strerror(errno));
			service_cleanup(&svc);
			return 1;
		}
	signal(SIGPIPE, SIG_IGN);
	svc.started_us = nh_now_us();
	svc.started_at = time(NULL);
	host_set_status(status_build, &svc);
	host_set_ctl(ctl_plugin_call, &svc);

	for (int i = 0; i < svc.cur.n; i++)
		if (instance_start(svc.cur.inst[i]) < 0) {
			sd_notifyf(0, "STATUS=[%s %s] failed to start", svc.cur.inst[i]->sec->plugin,
				   svc.cur.inst[i]->sec->instance);
			service_cleanup(&svc);
			return 1;
		}
	set_pid_file(&svc, hs.pid_file);
	if (control_open(&svc, hs.control, &hs) < 0) {
		service_cleanup(&svc);
		return 1;
	}
	/* Privileged sockets are open now: give up what opened them. */
	if (drop_privileges(&hs) < 0) {
		service_cleanup(&svc);
		return 1;
	}
	host_logf(NH_LOG_NOTICE, "nethost %s running %d instance%s from %s (pid %ld)",
		PACKAGE_VERSION, svc.cur.n, svc.cur.n == 1 ? "" : "s", opt->config_path,
		(long)getpid());
	notify_ready(&svc, NULL);

	int r = nh_loop_run(svc.loop);
	if (r < 0)
		host_logf(NH_LOG_ERR, "event loop failed: %s", strerror(-r));
	if (svc.quit_signal)
		host_logf(NH_LOG_NOTICE, "%s received, stopping", strsignal(svc.quit_signal));
	sd_notifyf(0, "STOPPING=1\nSTATUS=stopping%s%s", svc.quit_signal ? " on " : "",
		   svc.quit_signal ? sigabbrev_np(svc.quit_signal) : "");
	service_cleanup(&svc);
	return r < 0 ? 1 : 0;
}
