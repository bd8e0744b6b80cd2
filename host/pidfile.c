/* pid_file =: written once every instance started, removed on exit. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "service_internal.h"

void check_file_dir(nh_section *sec, const char *key, const char *path)
{
	char dir[PATH_MAX];
	struct stat st;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir)) {
		nh_conf_error(sec, key, "'%.80s...': path too long", path);
		return;
	}
	char *slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &st) < 0)
		nh_conf_error(sec, key, "'%s': directory '%s': %s", path, dir, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		nh_conf_error(sec, key, "'%s': '%s' is not a directory", path, dir);
	else if (access(dir, W_OK) < 0)
		nh_conf_error(sec, key, "'%s': directory '%s' is not writable: %s", path, dir,
			      strerror(errno));
}

static int write_pid_file(const char *path)
{
	FILE *f = fopen(path, "we");

	if (!f || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0) {
		host_logf(NH_LOG_ERR, "%s: cannot write pid file: %s", path, strerror(errno));
		return -errno;
	}
	return 0;
}

void set_pid_file(struct service *svc, const char *path)
{
	if (svc->pid_file && (!path || strcmp(svc->pid_file, path) != 0)) {
		unlink(svc->pid_file);
		free(svc->pid_file);
		svc->pid_file = NULL;
	}
	if (path && !svc->pid_file && write_pid_file(path) == 0)
		svc->pid_file = strdup(path);
}
