/* Finding and loading plugin files with libltdl.
 *
 * A plugin name is a plain word; the loader looks for NAME.la, NAME.so,
 * or (build tree layout) NAME/NAME.la in each directory of the search
 * path. It then checks the file that will really be mapped: links
 * resolved, the .so a .la names, and every directory from it up to /
 * (see check_secure_path). It binds every symbol before the plugin runs,
 * and checks the descriptor's ABI before anything else in it is used.
 *
 * Every refusal reads "plugin 'NAME'" and then the reason, so a command
 * can name the plugin once and give the reason after it. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <ltdl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crash.h"
#include "loader.h"
#include "descriptor.h"
#include "host.h"

static int add_dirs(struct loader *ld, const char *list)
{
	if (!list || !*list)
		return 0;
	char *copy = strdup(list), *save = NULL;
	if (!copy)
		return -ENOMEM;
	for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char **grown = realloc(ld->dirs, (size_t)(ld->ndirs + 1) * sizeof(*grown));
		if (!grown || !(grown[ld->ndirs] = strdup(d))) {
			if (grown)
				ld->dirs = grown;
			free(copy);
			return -ENOMEM;
		}
		ld->dirs = grown;
		ld->ndirs++;
	}
	free(copy);
	return 0;
}

/* The build tree's plugins, when this very binary lives in the build
 * tree: `host/nethost -c conf/nethost.ini` works before `make install`. */
static const char *build_tree_dir(void)
{
	static char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	size_t blen = strlen(NH_ABS_BUILDDIR);

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	if (strncmp(exe, NH_ABS_BUILDDIR "/", blen + 1) != 0)
		return NULL;
	return NH_ABS_BUILDDIR "/plugins";
}

int loader_init(struct loader *ld, const char *option_path, const char *ini_path)
{
	static int ltdl_ready;
	int r;

	memset(ld, 0, sizeof(*ld));
	if (!ltdl_ready) {
		if (lt_dlinit() != 0)
			return -ENOMEM;
		ltdl_ready = 1;
	}
	if ((r = add_dirs(ld, option_path)) < 0 || (r = add_dirs(ld, getenv("NETHOST_PLUGIN_PATH"))) < 0 ||
	    (r = add_dirs(ld, ini_path)) < 0 || (r = add_dirs(ld, build_tree_dir())) < 0 ||
	    (r = add_dirs(ld, NH_PLUGINDIR)) < 0)
		return r;
	return 0;
}

void loader_free(struct loader *ld)
{
	for (int i = 0; i < ld->nloaded; i++) {
		descriptor_release(&ld->loaded[i]->copy);
		crash_forget_plugin(ld->loaded[i]->name);
		lt_dlclose(ld->loaded[i]->handle);
		free(ld->loaded[i]->name);
		free(ld->loaded[i]->path);
		free(ld->loaded[i]);
	}
	free(ld->loaded);
	for (int i = 0; i < ld->ndirs; i++)
		free(ld->dirs[i]);
	free(ld->dirs);
	memset(ld, 0, sizeof(*ld));
}

const char *loader_path_text(struct loader *ld, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < ld->ndirs && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ":" : "", ld->dirs[i]);
	return buf;
}

static int valid_plugin_name(const char *name)
{
	if (!*name || strlen(name) > NH_NAME_MAX)
		return 0;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			return 0;
	return 1;
}

/* Fill err with "plugin 'NAME'" and the reason (fmt starts with ": " or
 * " ("); returns -code. */
static int refuse(nh_error *err, int code, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int refuse(nh_error *err, int code, const char *name, const char *fmt, ...)
{
	char why[sizeof(err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return nh_error_set(err, code, "plugin '%s'%s", name, why);
}

/* Find NAME's file in dir: 1 and path filled, 0 none. */
static int find_in_dir(const char *dir, const char *name, char *path, size_t len)
{
	for (int form = 0; form < 3; form++) {
		struct stat st;
		int n = form == 2 ? /* the build tree: plugins/NAME/NAME.la */
				snprintf(path, len, "%s/%s/%s.la", dir, name, name) :
				snprintf(path, len, "%s/%s.%s", dir, name, form == 0 ? "la" : "so");
		if (n > 0 && (size_t)n < len && stat(path, &st) == 0)
			return 1;
	}
	return 0;
}

static int trusted_owner(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

/* Who besides the owner may write, for a message; NULL when nobody. */
static const char *writers(mode_t mode)
{
	return (mode & S_IWOTH) ? "others" : (mode & S_IWGRP) ? "group" : NULL;
}

/* The file a plugin is mapped from (real: links resolved) and every
 * directory from it up to /: owned by root or the host's user, writable
 * by nobody else, as OpenSSH checks its key paths; anyone who can write
 * one of them can swap the code we run. A sticky world-writable directory
 * (/tmp) may sit higher up, since nobody else can rename what it holds
 * and what it holds is checked in turn, but it may not hold the plugin
 * file: plugins in /tmp are refused. 0 or -errno. */
static int check_secure_path(const char *name, const char *real, nh_error *err)
{
	char dir[PATH_MAX];
	struct stat st;

	if (stat(real, &st) < 0)
		return refuse(err, errno, name, ": %s: %s", real, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return refuse(err, EPERM, name, ": %s: not a regular file", real);
	if (!trusted_owner(st.st_uid))
		return refuse(err, EPERM, name, ": %s: owned by uid %ld, not by root or the host's user",
			      real, (long)st.st_uid);
	if (writers(st.st_mode))
		return refuse(err, EPERM, name, ": %s: writable by %s", real, writers(st.st_mode));
	snprintf(dir, sizeof(dir), "%s", real);
	for (int above = 0; strcmp(dir, "/") != 0; above++) {
		char *slash = strrchr(dir, '/');
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (stat(dir, &st) < 0)
			return refuse(err, errno, name, ": %s: directory %s: %s", real, dir,
				      strerror(errno));
		if (!trusted_owner(st.st_uid))
			return refuse(err, EPERM, name,
				      ": %s: directory %s is owned by uid %ld, not by root or the host's user",
				      real, dir, (long)st.st_uid);
		if (writers(st.st_mode) && !(above > 0 && (st.st_mode & S_ISVTX)))
			return refuse(err, EPERM, name, ": %s: directory %s is writable by %s", real,
				      dir, writers(st.st_mode));
	}
	return 0;
}

/* The value of KEY='...' in a .la line, or NULL. */
static const char *la_value(char *line, const char *key)
{
	size_t n = strlen(key);

	if (strncmp(line, key, n) != 0 || line[n] != '=')
		return NULL;
	char *v = line + n + 1, *end;
	if (*v == '\'') {
		v++;
		if ((end = strchr(v, '\'')))
			*end = '\0';
	} else {
		v[strcspn(v, " \t\n")] = '\0';
	}
	return v;
}

/* The .so that libltdl maps for the .la at real (links resolved): it
 * reads dlname= and tries libdir/dlname when installed, DIR/.libs/dlname
 * when not, then DIR/dlname (ltdl.c, find_module). We pick the same
 * file, check it, and hand that file to libltdl. 0 or -errno. */
static int la_module(const char *name, const char *real, char *so, size_t len, nh_error *err)
{
	char line[PATH_MAX + 32], dlname[NAME_MAX + 1] = "", libdir[PATH_MAX] = "", dir[PATH_MAX];
	int installed = 0;
	FILE *f = fopen(real, "re");
	const char *v;

	if (!f)
		return refuse(err, ENOEXEC, name, ": %s: %s", real, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if ((v = la_value(line, "dlname")))
			snprintf(dlname, sizeof(dlname), "%s", v);
		else if ((v = la_value(line, "libdir")))
			snprintf(libdir, sizeof(libdir), "%s", v);
		else if ((v = la_value(line, "installed")))
			installed = strcmp(v, "yes") == 0;
	}
	fclose(f);
	if (!dlname[0])
		return refuse(err, ENOEXEC, name, ": %s: names no shared object (dlname='')", real);
	if (strchr(dlname, '/'))
		return refuse(err, ENOEXEC, name, ": %s: dlname='%s' is not a plain file name", real,
			      dlname);
	snprintf(dir, sizeof(dir), "%s", real);
	*strrchr(dir, '/') = '\0';
	for (int form = 0; form < 3; form++) {
		if (form == 0 && !(installed && libdir[0]))
			continue;
		if (form == 1 && installed)
			continue;
		int n = form == 0 ? snprintf(so, len, "%s/%s", libdir, dlname) :
				    snprintf(so, len, "%s%s/%s", dir, form == 1 ? "/.libs" : "", dlname);
		if (n > 0 && (size_t)n < len && access(so, F_OK) == 0)
			return 0;
	}
	return refuse(err, ENOEXEC, name, ": %s: names %s, which is not where libltdl looks for it",
		      real, dlname);
}

/* The first bytes of every ELF file; a text file named x.so is not one. */
static int check_elf(const char *name, const char *so, nh_error *err)
{
	unsigned char magic[4];
	int fd = open(so, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return refuse(err, errno, name, ": %s: %s", so, strerror(errno));
	ssize_t n = read(fd, magic, sizeof(magic));
	close(fd);
	if (n != (ssize_t)sizeof(magic) || memcmp(magic, "\x7f" "ELF", 4) != 0)
		return refuse(err, ENOEXEC, name, ": %s: not an ELF shared object", so);
	return 0;
}

/* From the file found on the path to the .so that will be mapped, every
 * file and directory involved checked; so gets its real path. */
static int mapped_file(const char *name, const char *path, char *so, size_t len, nh_error *err)
{
	char real[PATH_MAX], module[PATH_MAX];
	size_t n;
	int r;

	if (!realpath(path, real))
		return refuse(err, errno, name, ": %s: %s", path, strerror(errno));
	if ((r = check_secure_path(name, real, err)) < 0)
		return r;
	n = strlen(real);
	if (n > 3 && strcmp(real + n - 3, ".la") == 0) {
		if ((r = la_module(name, real, module, sizeof(module), err)) < 0)
			return r;
		if (!realpath(module, real))
			return refuse(err, errno, name, ": %s: %s", module, strerror(errno));
		if ((r = check_secure_path(name, real, err)) < 0)
			return r;
	}
	if ((r = check_elf(name, real, err)) < 0)
		return r;
	snprintf(so, len, "%s", real);
	return 0;
}

struct segment_search {
	uintptr_t addr;   /* an address inside the object: its descriptor */
	uintptr_t lo, hi; /* the object's span, once found */
};

static int find_segments(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct segment_search *ss = arg;
	uintptr_t lo = UINTPTR_MAX, hi = 0;

	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD)
			continue;
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;
		if (start < lo)
			lo = start;
		if (start + ph->p_memsz > hi)
			hi = start + ph->p_memsz;
	}
	if (ss->addr < lo || ss->addr >= hi)
		return 0;
	ss->lo = lo;
	ss->hi = hi;
	return 1;
}

/* Tell the crash handler where the plugin's code lies: a loop callback
 * in that span is blamed on it. Done now, as the handler cannot ask. */
static void register_for_crashes(const struct loaded_plugin *lp, const struct nh_plugin *raw)
{
	/* The plugin's own descriptor, not the host's copy of it. */
	struct segment_search ss = { .addr = (uintptr_t)raw };

	if (dl_iterate_phdr(find_segments, &ss))
		crash_add_plugin(lp->name, ss.lo, ss.hi);
}

static const char *abi_text(uint32_t abi, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u", abi >> 16, abi & 0xffff);
	return buf;
}

/* Only .abi is read before this says yes: it is the first field in
 * every major, the rest of another major's layout is unknown. */
static int check_abi(const struct nh_plugin *d, const char *name, const char *path, nh_error *err)
{
	char want[16], got[16];

	if ((d->abi >> 16) != NH_ABI_MAJOR || (d->abi & 0xffff) > NH_ABI_MINOR)
		return nh_error_set(err, EPROTO,
				    "plugin '%s' (%s): ABI mismatch: built for ABI %s, this "
				    "host speaks ABI %s (major %d, minor up to %d)",
				    name, path, abi_text(d->abi, got, sizeof(got)),
				    abi_text(NH_ABI_VERSION, want, sizeof(want)), NH_ABI_MAJOR,
				    NH_ABI_MINOR);
	return 0;
}

/* Check a descriptor (the host's copy of it); 0 or -errno with err filled. */
static int check_descriptor(const struct nh_plugin *d, const char *name, const char *path,
			    nh_error *err)
{
	if (!d->name || strcmp(d->name, name) != 0)
		return nh_error_set(err, EINVAL,
				    "plugin '%s' (%s): descriptor names itself '%s', not '%s'", name,
				    path, d->name ? d->name : "(null)", name);
	if (d->keys && (!d->create || !d->start || !d->stop || !d->destroy))
		return nh_error_set(err, EINVAL,
				    "plugin '%s' (%s): declares config keys but lacks create, "
				    "start, stop or destroy",
				    name, path);
	for (const struct nh_command *c = d->commands; c && c->name; c++)
		if (strlen(c->name) > NH_NAME_MAX)
			return nh_error_set(err, EINVAL, "plugin '%s' (%s): command name '%.20s...' is "
					    "longer than %d characters", name, path, c->name, NH_NAME_MAX);
		else if (!c->run)
			return nh_error_set(err, EINVAL, "plugin '%s' (%s): command '%s' has no run()",
					    name, path, c->name);
	if (d->ctl_commands && !d->keys)
		return nh_error_set(err, EINVAL, "plugin '%s' (%s): has control commands but runs "
				    "no instances (no config keys)", name, path);
	for (const struct nh_ctl_command *c = d->ctl_commands; c && c->name; c++)
		if (strlen(c->name) > NH_NAME_MAX || strchr(c->name, '/') || !c->name[0])
			return nh_error_set(err, EINVAL, "plugin '%s' (%s): control command name "
					    "'%.20s' is empty, has a '/' or is longer than %d characters",
					    name, path, c->name, NH_NAME_MAX);
		else if (!c->run)
			return nh_error_set(err, EINVAL, "plugin '%s' (%s): control command '%s' has "
					    "no run()", name, path, c->name);
	return 0;
}

const struct loaded_plugin *loader_get(struct loader *ld, const char *name, nh_error *err)
{
	char path[PATH_MAX], so[PATH_MAX], searched[2048];
	int found = 0;

	for (int i = 0; i < ld->nloaded; i++)
		if (strcmp(ld->loaded[i]->name, name) == 0)
			return ld->loaded[i];
	if (!valid_plugin_name(name)) {
		refuse(err, EINVAL, name, ": not a valid plugin name (at most 63 letters, digits, '_', '-')");
		return NULL;
	}
	for (int i = 0; i < ld->ndirs && !found; i++)
		found = find_in_dir(ld->dirs[i], name, path, sizeof(path));
	if (!found) {
		refuse(err, ENOENT, name, ": not found (no %s.la or %s.so in %s)", name, name,
		       loader_path_text(ld, searched, sizeof(searched)));
		return NULL;
	}
	if (mapped_file(name, path, so, sizeof(so), err) < 0)
		return NULL;

	/* Bind every symbol now: a missing one is refused here with the
	 * dynamic loader's words, not fatal on its first call. libltdl then
	 * opens the same, already bound, object and stays the loader of
	 * record; the extra reference goes once it holds its own. */
	void *bound = dlopen(so, RTLD_NOW | RTLD_LOCAL);
	if (!bound) {
		refuse(err, ENOEXEC, name, ": %s", dlerror());
		return NULL;
	}
	lt_dlhandle h = lt_dlopen(so);
	dlclose(bound);
	if (!h) {
		const char *why = lt_dlerror();
		refuse(err, ENOEXEC, name, " (%s): cannot load: %s", path, why ? why : "unknown error");
		return NULL;
	}
	const struct nh_plugin *desc = lt_dlsym(h, NH_PLUGIN_SYMBOL);
	if (!desc) {
		const char *why = lt_dlerror();
		refuse(err, ENOEXEC, name, " (%s): no '%s' descriptor symbol: %s", path,
		       NH_PLUGIN_SYMBOL, why ? why : "not found");
		lt_dlclose(h);
		return NULL;
	}
	struct nh_plugin copy;
	char why[256];
	if (check_abi(desc, name, path, err) < 0) {
		lt_dlclose(h);
		return NULL;
	}
	if (descriptor_adopt(desc, &copy, why, sizeof(why)) < 0) {
		nh_error_set(err, EINVAL, "plugin '%s' (%s): %s", name, path, why);
		lt_dlclose(h);
		return NULL;
	}
	if (check_descriptor(&copy, name, path, err) < 0) {
		descriptor_release(&copy);
		lt_dlclose(h);
		return NULL;
	}

	struct loaded_plugin *lp = calloc(1, sizeof(*lp));
	struct loaded_plugin **grown = realloc(ld->loaded, (size_t)(ld->nloaded + 1) * sizeof(*grown));
	if (grown)
		ld->loaded = grown;
	if (!lp || !grown || !(lp->name = strdup(name)) || !(lp->path = strdup(path))) {
		if (lp)
			free(lp->name);
		free(lp);
		descriptor_release(&copy);
		lt_dlclose(h);
		refuse(err, ENOMEM, name, ": out of memory");
		return NULL;
	}
	lp->handle = h;
	lp->copy = copy;
	lp->desc = &lp->copy;
	ld->loaded[ld->nloaded++] = lp;
	register_for_crashes(lp, desc);
	return lp;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The plugin name a directory entry stands for, or 0. */
static int entry_name(const char *dir, const char *entry, char *name, size_t len)
{
	size_t n = strlen(entry);
	char path[PATH_MAX];
	struct stat st;

	if (entry[0] == '.')
		return 0;
	if (n > 3 && (strcmp(entry + n - 3, ".la") == 0 || strcmp(entry + n - 3, ".so") == 0)) {
		if (n - 3 >= len)
			return 0;
		memcpy(name, entry, n - 3);
		name[n - 3] = '\0';
		return valid_plugin_name(name);
	}
	snprintf(path, sizeof(path), "%s/%s/%s.la", dir, entry, entry);
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && n < len) {
		strcpy(name, entry);
		return valid_plugin_name(name);
	}
	return 0;
}

int loader_each_name(struct loader *ld, void (*fn)(const char *name, void *arg), void *arg)
{
	char **seen = NULL;
	int nseen = 0;

	for (int i = 0; i < ld->ndirs; i++) {
		DIR *d = opendir(ld->dirs[i]);
		struct dirent *de;
		char **here = NULL;
		int nhere = 0;
		if (!d)
			continue;
		while ((de = readdir(d))) {
			char name[80];
			if (!entry_name(ld->dirs[i], de->d_name, name, sizeof(name)))
				continue;
			int dup = 0;
			for (int j = 0; j < nseen && !dup; j++)
				dup = strcmp(seen[j], name) == 0;
			for (int j = 0; j < nhere && !dup; j++)
				dup = strcmp(here[j], name) == 0;
			if (dup)
				continue;
			char **grown = realloc(here, (size_t)(nhere + 1) * sizeof(*grown));
			if (!grown)
				break;
			here = grown;
			if (!(here[nhere] = strdup(name)))
				break;
			nhere++;
		}
		closedir(d);
		if (nhere > 1)
			qsort(here, (size_t)nhere, sizeof(*here), cmp_str);
		for (int j = 0; j < nhere; j++)
			fn(here[j], arg);
		if (nhere == 0)
			continue;
		char **grown = realloc(seen, (size_t)(nseen + nhere) * sizeof(*grown));
		if (grown) {
			seen = grown;
			memcpy(seen + nseen, here, (size_t)nhere * sizeof(*here));
			nseen += nhere;
		} else {
			for (int j = 0; j < nhere; j++)
				free(here[j]);
		}
		free(here);
	}
	for (int j = 0; j < nseen; j++)
		free(seen[j]);
	free(seen);
	return 0;
}

struct command_search {
	struct loader *ld;
	const char *cmd;
	const struct loaded_plugin *found;
	const struct nh_command *command;
	struct refusal {
		char name[65]; /* valid_plugin_name() allows 64 */
		nh_error err;
	} *refused; /* the plugins refused on the way, in order */
	int nrefused;
};

/* Keep a refusal for the message when the command is not found. */
static void note_refusal(struct command_search *cs, const char *name, const nh_error *err)
{
	struct refusal *grown = realloc(cs->refused, (size_t)(cs->nrefused + 1) * sizeof(*grown));

	if (!grown)
		return;
	cs->refused = grown;
	snprintf(grown[cs->nrefused].name, sizeof(grown->name), "%s", name);
	grown[cs->nrefused++].err = *err;
}

static void match_command(struct command_search *cs, const struct loaded_plugin *lp)
{
	for (const struct nh_command *c = lp->desc->commands; c && c->name; c++)
		if (strcmp(c->name, cs->cmd) == 0) {
			cs->found = lp;
			cs->command = c;
			return;
		}
}

static void search_one(const char *name, void *arg)
{
	struct command_search *cs = arg;
	nh_error err;

	/* The plugin named like the command was tried first. */
	if (cs->found || strcmp(name, cs->cmd) == 0)
		return;
	const struct loaded_plugin *lp = loader_get(cs->ld, name, &err);
	if (lp)
		match_command(cs, lp);
	else
		note_refusal(cs, name, &err);
}

/* A refusal less its "plugin 'NAME'" head (every loader message has it):
 * " (FILE): REASON" or ": FILE: REASON". */
static const char *reason_of(const nh_error *err, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(err->msg, "plugin '", 8) == 0 && strncmp(err->msg + 8, name, n) == 0 &&
	    err->msg[8 + n] == '\'')
		return err->msg + 9 + n;
	return err->msg;
}

const struct loaded_plugin *loader_find_command(struct loader *ld, const char *cmd,
						const struct nh_command **out,
						void (*refused)(const char *plugin, const char *why,
								void *arg),
						void *arg)
{
	struct command_search cs = { .ld = ld, .cmd = cmd };
	nh_error err;
	int same_refused = 0;

	/* Most commands are named after their plugin: try that file first. */
	if (valid_plugin_name(cmd)) {
		const struct loaded_plugin *lp = loader_get(ld, cmd, &err);
		if (lp)
			match_command(&cs, lp);
		else if (err.code != ENOENT)
			same_refused = 1;
	}
	if (!cs.found)
		loader_each_name(ld, search_one, &cs);
	/* The plugin named like the command says why it is missing; without
	 * one, every plugin that could not be asked for it does. */
	if (!cs.found && refused) {
		if (same_refused)
			refused(cmd, reason_of(&err, cmd), arg);
		else
			for (int i = 0; i < cs.nrefused; i++)
				refused(cs.refused[i].name,
					reason_of(&cs.refused[i].err, cs.refused[i].name), arg);
	}
	free(cs.refused);
	*out = cs.command;
	return cs.found;
}
