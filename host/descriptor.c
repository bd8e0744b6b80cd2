/* A plugin's descriptor as this host reads it. The plugin may have been
 * built with an older minor of ABI 2, whose structs are shorter: the
 * descriptor and its key, command and control tables are copied at load time into
 * this host's full-size structs (missing fields read as zero), so the rest
 * of the host never sees another layout. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "descriptor.h"

/* The smallest descriptor ABI 2.0 defines: up to .commands. */
#define DESC_MIN_SIZE (offsetof(struct nh_plugin, commands) + sizeof(void *))
#define KEY_MIN_SIZE (offsetof(struct nh_conf_key, multi) + sizeof(int))
#define COMMAND_MIN_SIZE (offsetof(struct nh_command, run) + sizeof(void *))
/* 2.1 added the control table after .commands, .succeed and .refresh after it: a
 * 2.0 descriptor ends before them and reads as having none (the copy is
 * zeroed, then filled with what the plugin's descriptor holds). */
#define CTL_MIN_SIZE (offsetof(struct nh_ctl_command, run) + sizeof(void *))
#define DESC_CTL_END (offsetof(struct nh_plugin, ctl_commands) + sizeof(void *))

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* Copy a table of n-byte entries ending with a NULL name (the first field
 * of both entry types) into full-size entries of size full. */
static void *copy_table(const void *table, size_t stride, size_t full)
{
	const char *p = table;
	size_t n = 0;

	while (*(const char *const *)(p + n * stride))
		n++;
	char *copy = calloc(n + 1, full);
	if (!copy)
		return NULL;
	for (size_t i = 0; i < n; i++)
		memcpy(copy + i * full, p + i * stride, min_size(stride, full));
	return copy;
}

int descriptor_adopt(const struct nh_plugin *raw, struct nh_plugin *out, char *why, size_t len)
{
	memset(out, 0, sizeof(*out));
	/* .abi is the first field in every major: the caller checked it. */
	if (raw->size < DESC_MIN_SIZE || raw->key_size < KEY_MIN_SIZE ||
	    raw->command_size < COMMAND_MIN_SIZE) {
		snprintf(why, len, "descriptor too small (%u bytes, keys %u, commands %u): not built "
				   "with NH_PLUGIN_DEFINE?",
			 raw->size, raw->key_size, raw->command_size);
		return -EINVAL;
	}
	const struct nh_ctl_command *ctl = raw->size >= DESC_CTL_END ? raw->ctl_commands : NULL;
	if (ctl && raw->ctl_size < CTL_MIN_SIZE) {
		snprintf(why, len, "control table entries too small (%u bytes): not built with "
				   "NH_PLUGIN_DEFINE?", raw->ctl_size);
		return -EINVAL;
	}
	memcpy(out, raw, min_size(raw->size, sizeof(*out)));
	out->size = sizeof(*out);
	out->key_size = sizeof(struct nh_conf_key);
	out->command_size = sizeof(struct nh_command);
	out->ctl_size = sizeof(struct nh_ctl_command);
	out->keys = NULL;
	out->commands = NULL;
	out->ctl_commands = NULL;
	if ((raw->keys && !(out->keys = copy_table(raw->keys, raw->key_size, sizeof(*out->keys)))) ||
	    (raw->commands &&
	     !(out->commands = copy_table(raw->commands, raw->command_size, sizeof(*out->commands)))) ||
	    (ctl && !(out->ctl_commands = copy_table(ctl, raw->ctl_size, sizeof(*out->ctl_commands))))) {
		descriptor_release(out);
		snprintf(why, len, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

void descriptor_release(struct nh_plugin *d)
{
	free((void *)d->keys);
	free((void *)d->commands);
	free((void *)d->ctl_commands);
	d->keys = NULL;
	d->commands = NULL;
	d->ctl_commands = NULL;
}
