/* user = / group =: who the service runs as once its sockets are open. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "service_internal.h"

void read_identity(nh_section *sec, struct host_settings *hs)
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

/* Supplementary groups, gid, then uid (the kernel clears every
 * capability when a root process sets all its uids to non-zero). */
int drop_privileges(const struct host_settings *hs)
{
	if (hs->uid == (uid_t)-1 || (geteuid() == hs->uid && getegid() == hs->gid))
		return 0;
	if (setgroups(1, &hs->gid) < 0 || setresgid(hs->gid, hs->gid, hs->gid) < 0 ||
	    setresuid(hs->uid, hs->uid, hs->uid) < 0) {
		int e = errno;
		host_logf(NH_LOG_ERR, "cannot switch to user '%s': %s", hs->user, strerror(e));
		return -e;
	}
	if (hs->uid != 0 && setuid(0) == 0) {
		host_logf(NH_LOG_ERR, "privileges still held after switching to '%s'", hs->user);
		return -EPERM;
	}
	host_logf(NH_LOG_NOTICE, "running as user %s (uid %ld, gid %ld)", hs->user,
		(long)hs->uid, (long)hs->gid);
	return 0;
}
