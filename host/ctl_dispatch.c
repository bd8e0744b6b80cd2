/* Control commands of the running instances: found by "plugin/name" and
 * run on the host's loop, for the control socket and for nh_ctl_call(). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "service_internal.h"

struct instance *ctl_find_instance(const struct service *svc, const char *name)
{
	const char *slash = strchr(name, '/');

	if (!slash)
		return NULL;
	size_t plen = (size_t)(slash - name);
	for (int i = 0; i < svc->cur.n; i++) {
		struct instance *in = svc->cur.inst[i];
		if (strlen(in->sec->plugin) == plen && strncmp(in->sec->plugin, name, plen) == 0 &&
		    strcmp(in->sec->instance, slash + 1) == 0)
			return in;
	}
	return NULL;
}

int ctl_run_instance(struct service *svc, struct instance *in, int argc, char **argv,
		     struct json_object **out)
{
	const struct nh_ctl_command *c = instance_ctl_find(in, argv[0]);
	nh_ctl_reply reply = { .error = "" };

	*out = NULL;
	if (!c)
		return -ENOENT;
	if (svc->ctl_running)
		return -EBUSY;
	struct json_object *o = json_object_new_object();
	if (!o || !(reply.json = json_object_new_object())) {
		json_object_put(o);
		return -ENOMEM;
	}
	svc->ctl_running = 1;
	int code = instance_ctl(in, c, argc, argv, &reply);
	svc->ctl_running = 0;
	if (code == 0 && reply.error[0])
		code = NH_EXIT_FAIL; /* an error without a failing code is still one */
	if (code < 0 || code > 255)
		code = NH_EXIT_FAIL;
	nh_json_add_int(o, "code", code);
	if (code == 0 || !reply.error[0]) {
		json_object_object_add(o, "reply", reply.json);
	} else {
		json_object_put(reply.json);
		nh_json_add_str(o, "error", reply.error);
	}
	*out = o;
	return code;
}

int ctl_plugin_call(void *arg, const nh_ctx *caller, const char *instance, int argc, char **argv,
		    struct json_object **out)
{
	struct service *svc = arg;
	struct instance *in = ctl_find_instance(svc, instance);

	(void)caller;
	*out = NULL;
	return in ? ctl_run_instance(svc, in, argc, argv, out) : -ENOENT;
}
