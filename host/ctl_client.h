/* nethost ctl: the client of the control socket, and its text output. */
#ifndef NH_HOST_CTL_CLIENT_H
#define NH_HOST_CTL_CLIENT_H

#include <stdio.h>

#include "host.h"
#include "service.h"

/* The usage text (--help, errors, bash completion). */
extern const char ctl_usage[];

/* nethost ctl ARGS (argv[0] is "ctl"); opt->config_path is the host's
 * -c. Returns the exit code: the command's, 1 when the service cannot be
 * reached, 2 on a usage error. */
int ctl_main(const struct host_options *opt, int argc, char **argv);

/* Print reply object o as text (ctl_text.c): see sdk/nethost/ctl.h. */
void ctl_text_print(FILE *f, struct json_object *o, int indent);

#endif
