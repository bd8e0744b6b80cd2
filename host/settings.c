/* The [nethost] section: the host's own settings. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service_internal.h"

static const struct nh_conf_key host_keys[] = {
	{ .name = "plugin_path", .help = "directories searched for plugins, ':'-separated" },
	{ .name = "log_level", .help = "error, warning, notice, info or debug (default info)" },
	{ .name = "log_target", .help = "stderr (default) or syslog" },
	{ .name = "pid_file", .help = "write the process id here while running" },
	{ .name = "user", .help = "after start-up, run as this user (needs root; drops every capability)" },
	{ .name = "group", .help = "with user: run as this group (default: the user's primary group)" },
	{ .name = "control", .help = "the control socket for nethost ctl: a path, or off (default: "
				     "$RUNTIME_DIRECTORY/control.sock under systemd, else off)" },
	{ .name = NULL },
};

/* Unset, the control socket is off, except under systemd with a
 * RuntimeDirectory= (the installed unit's /run/nethost): there it is
 * $RUNTIME_DIRECTORY/control.sock, the first directory if it lists more. */
static void default_control(struct host_settings *hs)
{
	const char *dir = getenv("RUNTIME_DIRECTORY");
	size_t len = dir ? strcspn(dir, ":") : 0;

	if (!len)
		return;
	if (len + sizeof("/control.sock") > sizeof(hs->control_buf)) {
		host_logf(NH_LOG_WARN, "$RUNTIME_DIRECTORY is too long for a socket path: no control "
			  "socket unless [nethost] control says where");
		return;
	}
	snprintf(hs->control_buf, sizeof(hs->control_buf), "%.*s/control.sock", (int)len, dir);
	hs->control = hs->control_buf;
}

void read_host_settings(nh_config *cfg, struct host_settings *hs)
{
	nh_section *sec = nh_config_find(cfg, "nethost", "nethost");
	const char *level = "info", *target = "stderr";

	memset(hs, 0, sizeof(*hs));
	hs->log_level = NH_LOG_INFO;
	hs->uid = (uid_t)-1;
	hs->gid = (gid_t)-1;
	default_control(hs);
	if (!sec)
		return;
	nh_section_check_keys(sec, host_keys);
	nh_conf_get_str(sec, "plugin_path", NULL, &hs->plugin_path);
	nh_conf_get_str(sec, "pid_file", NULL, &hs->pid_file);
	nh_conf_get_str(sec, "control", NULL, &hs->control);
	if (hs->control && strcmp(hs->control, "off") == 0)
		hs->control = NULL;
	else if (hs->control && (!hs->control[0] || hs->control[0] == '@' ||
				 strlen(hs->control) >= sizeof(hs->control_buf)))
		nh_conf_error(sec, "control", "'%s': give a file path of at most %zu characters, or off",
			      hs->control, sizeof(hs->control_buf) - 1);
	else if (hs->control && hs->control != hs->control_buf)
		check_file_dir(sec, "control", hs->control);
	nh_conf_get_str(sec, "log_level", "info", &level);
	nh_conf_get_str(sec, "log_target", "stderr", &target);
	int lv = host_log_level_parse(level);
	if (lv < 0)
		nh_conf_error(sec, "log_level", "'%s': use error, warning, notice, info or debug", level);
	else
		hs->log_level = lv;
	if (strcmp(target, "syslog") == 0)
		hs->log_target = HOST_LOG_SYSLOG;
	else if (strcmp(target, "stderr") != 0)
		nh_conf_error(sec, "log_target", "'%s': use stderr or syslog", target);
	if (hs->pid_file)
		check_file_dir(sec, "pid_file", hs->pid_file);
	read_identity(sec, hs);
}

void apply_log_settings(const struct host_settings *hs, const struct host_options *opt)
{
	host_log_set_level(hs->log_level + opt->verbosity);
	host_log_set_target(hs->log_target, "nethost");
}
