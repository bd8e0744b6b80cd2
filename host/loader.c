/* Finding and loading plugin files with libltdl.
 *
 * A plugin name is a plain word; the loader looks for NAME.la, NAME.so,
 * or (build tree layout) NAME/NAME.la in each directory of the search
 * path, opens only regular files that are not world-writable, and checks
 * the descriptor's ABI before anything else in it is used. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <ltdl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* Find NAME's file in dir: 1 and path filled, 0 none, -errno refused. */
static int find_in_dir(const char *dir, const char *name, char *path, size_t len, nh_error *err)
{
	for (int form = 0; form < 3; form++) {
		struct stat st;
		if (form == 2) /* the build tree: plugins/NAME/NAME.la */
			snprintf(path, len, "%s/%s/%s.la", dir, name, name);
		else
			snprintf(path, len, "%s/%s.%s", dir, name, form == 0 ? "la" : "so");
		if (stat(path, &st) < 0)
			continue;
		if (!S_ISREG(st.st_mode))
			return nh_error_set(err, EPERM, "%s: not a regular file", path);
		if (st.st_mode & S_IWOTH)
			return nh_error_set(err, EPERM,
					    "%s: refusing a world-writable plugin file", path);
		/* Anyone who can write the directory can swap the file. */
		char parent[PATH_MAX];
		snprintf(parent, sizeof(parent), "%s", path);
		*strrchr(parent, '/') = '\0';
		if (stat(parent, &st) == 0 && (st.st_mode & S_IWOTH))
			return nh_error_set(err, EPERM,
					    "%s: refusing a plugin in a world-writable directory",
					    path);
		return 1;
	}
	return 0;
}

static const char *abi_text(uint32_t abi, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u", abi >> 16, abi & 0xffff);
	return buf;
}

/* Check a descriptor; 0 or -errno with err filled. */
static int check_descriptor(const struct nh_plugin *d, const char *name, const char *path,
			    nh_error *err)
{
	char want[16], got[16];

	if ((d->abi >> 16) != NH_ABI_MAJOR || (d->abi & 0xffff) > NH_ABI_MINOR)
		return nh_error_set(err, EPROTO,
				    "plugin '%s' (%s): ABI mismatch: built for ABI %s, this "
				    "host speaks ABI %s (major %d, minor up to %d)",
				    name, path, abi_text(d->abi, got, sizeof(got)),
				    abi_text(NH_ABI_VERSION, want, sizeof(want)), NH_ABI_MAJOR,
				    NH_ABI_MINOR);
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
	return 0;
}

const struct loaded_plugin *loader_get(struct loader *ld, const char *name, nh_error *err)
{
	char path[PATH_MAX], searched[2048];
	int found = 0;

	for (int i = 0; i < ld->nloaded; i++)
		if (strcmp(ld->loaded[i]->name, name) == 0)
			return ld->loaded[i];
	if (!valid_plugin_name(name)) {
		nh_error_set(err, EINVAL, "plugin '%.80s': not a valid plugin name (at most %d letters, digits, '_', '-')",
			     name, NH_NAME_MAX);
		return NULL;
	}
	for (int i = 0; i < ld->ndirs && !found; i++) {
		found = find_in_dir(ld->dirs[i], name, path, sizeof(path), err);
		if (found < 0)
			return NULL;
	}
	if (!found) {
		nh_error_set(err, ENOENT, "plugin '%s': not found (no %s.la or %s.so in %s)", name,
			     name, name, loader_path_text(ld, searched, sizeof(searched)));
		return NULL;
	}

	lt_dlhandle h = lt_dlopen(path);
	if (!h) {
		const char *why = lt_dlerror();
		nh_error_set(err, ENOEXEC, "plugin '%s' (%s): cannot load: %s", name, path,
			     why ? why : "unknown error");
		return NULL;
	}
	const struct nh_plugin *desc = lt_dlsym(h, NH_PLUGIN_SYMBOL);
	if (!desc) {
		const char *why = lt_dlerror();
		nh_error_set(err, ENOEXEC, "plugin '%s' (%s): no '%s' descriptor symbol: %s", name,
			     path, NH_PLUGIN_SYMBOL, why ? why : "not found");
		lt_dlclose(h);
		return NULL;
	}
	struct nh_plugin copy;
	char why[256];
	if ((desc->abi >> 16) == NH_ABI_MAJOR && descriptor_adopt(desc, &copy, why, sizeof(why)) < 0) {
		nh_error_set(err, EINVAL, "plugin '%s' (%s): %s", name, path, why);
		lt_dlclose(h);
		return NULL;
	}
	if (check_descriptor((desc->abi >> 16) == NH_ABI_MAJOR ? &copy : desc, name, path, err) < 0) {
		if ((desc->abi >> 16) == NH_ABI_MAJOR)
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
		nh_error_set(err, ENOMEM, "plugin '%s': out of memory", name);
		return NULL;
	}
	lp->handle = h;
	lp->copy = copy;
	lp->desc = &lp->copy;
	ld->loaded[ld->nloaded++] = lp;
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
};

static void search_one(const char *name, void *arg)
{
	struct command_search *cs = arg;

	if (cs->found)
		return;
	const struct loaded_plugin *lp = loader_get(cs->ld, name, NULL);
	if (!lp)
		return;
	for (const struct nh_command *c = lp->desc->commands; c && c->name; c++)
		if (strcmp(c->name, cs->cmd) == 0) {
			cs->found = lp;
			cs->command = c;
			return;
		}
}

const struct loaded_plugin *loader_find_command(struct loader *ld, const char *cmd,
						const struct nh_command **out)
{
	struct command_search cs = { .ld = ld, .cmd = cmd };
	nh_error err;

	/* Most commands are named after their plugin: try that file first. */
	const struct loaded_plugin *lp = valid_plugin_name(cmd) ? loader_get(ld, cmd, &err) : NULL;
	if (lp)
		search_one(cmd, &cs);
	if (!cs.found)
		loader_each_name(ld, search_one, &cs);
	*out = cs.command;
	return cs.found;
}
