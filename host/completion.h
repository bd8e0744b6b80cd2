/* completion: the bash completion script, generated from the command
 * tables the loader finds, so it cannot drift from the commands. */
#ifndef NETHOST_COMPLETION_H
#define NETHOST_COMPLETION_H

#include <stdio.h>

#include "loader.h"

/* One of the host's own commands: its name and usage text. */
struct builtin_command {
	const char *name, *usage;
};

/* Print the bash script to out: the host's options (parsed from
 * host_usage), the n built-ins and every plugin command found through ld.
 * A plugin the loader refuses is left out, as are names with characters
 * that would mean something to the shell. */
void completion_print_bash(FILE *out, struct loader *ld, const char *host_usage,
			   const struct builtin_command *builtins, size_t n);

#endif
