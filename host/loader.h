/* Finding and loading plugin files with libltdl. */
#ifndef NH_HOST_LOADER_H
#define NH_HOST_LOADER_H

#include <nethost/plugin.h>

struct loaded_plugin {
	char *name;
	char *path;   /* the file found on the search path, as found */
	void *handle; /* lt_dlhandle */
	const struct nh_plugin *desc; /* &copy: read it, never the plugin's own */
	struct nh_plugin copy;        /* at this host's sizes (descriptor.c) */
};

struct loader {
	char **dirs; /* the search path, in order */
	int ndirs;
	struct loaded_plugin **loaded;
	int nloaded;
};

/* Build the search path from its sources, highest priority first: the
 * --plugin-path option, $NETHOST_PLUGIN_PATH, the INI's plugin_path, the
 * build tree (only when this binary runs from it), the installed
 * directory. Each may be NULL or a ':'-separated list. 0 or -errno. */
int loader_init(struct loader *ld, const char *option_path, const char *ini_path);
void loader_free(struct loader *ld);
/* The search path as one ':'-joined string, for messages. */
const char *loader_path_text(struct loader *ld, char *buf, size_t len);

/* Load the plugin called name (cached). The file really mapped (links
 * resolved, the .so a .la names) and every directory above it must be
 * owned by root or the host's user and writable by nobody else (a sticky
 * directory may sit above the plugin's own); every symbol is bound now.
 * On failure returns NULL and err says why, as "plugin 'NAME'" and the
 * reason: not found (err->code ENOENT, and only then), an unsafe path,
 * not ELF, an undefined symbol, not loadable, no descriptor, ABI
 * mismatch, name mismatch. */
const struct loaded_plugin *loader_get(struct loader *ld, const char *name, nh_error *err);

/* Call fn for every plugin name found on the search path, first
 * occurrence only, in path order then name order. */
int loader_each_name(struct loader *ld, void (*fn)(const char *name, void *arg), void *arg);

/* Find the plugin that registers CLI command cmd; NULL when none. Then,
 * if refused is not NULL, it is told why plugins were refused on the way:
 * the plugin named like the command when it was, else every one. why is
 * the reason after "plugin 'NAME'" (" (FILE): ..." or ": FILE: ..."). */
const struct loaded_plugin *loader_find_command(struct loader *ld, const char *cmd,
						const struct nh_command **out,
						void (*refused)(const char *plugin, const char *why,
								void *arg),
						void *arg);

#endif
