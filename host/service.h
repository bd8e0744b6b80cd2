/* Service mode: instances from the INI file on one loop, reloads. */
#ifndef NH_HOST_SERVICE_H
#define NH_HOST_SERVICE_H

struct host_options {
	const char *config_path;
	const char *plugin_path; /* --plugin-path, or NULL */
	int verbosity;           /* -v adds, -q subtracts; 0 = as the INI says */
};

/* Run the service until SIGTERM/SIGINT. Returns the exit code. */
int service_run(const struct host_options *opt);
/* nethost -t: check the file and every instance; print every problem.
 * Returns 0 when all is well, 2 otherwise. */
int service_test(const struct host_options *opt);

#endif
