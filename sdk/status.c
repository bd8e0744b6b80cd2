/* The host's status: the host registers a builder, plugins ask for a
 * snapshot. Built on demand so it is never stale and costs nothing
 * until someone asks. */
#include "config.h"

#include <errno.h>

#include "nh_internal.h"

static struct json_object *(*status_fn)(void *arg);
static void *status_arg;

void nh_status_set_provider(struct json_object *(*fn)(void *arg), void *arg)
{
	status_fn = fn;
	status_arg = arg;
}

struct json_object *nh_status_json(void)
{
	if (!status_fn) {
		errno = ENOENT;
		return NULL;
	}
	struct json_object *o = status_fn(status_arg);
	if (!o)
		errno = ENOMEM;
	return o;
}
