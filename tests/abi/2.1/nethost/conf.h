/* Configuration access for plugins: a section of the INI file and typed
 * getters. Every problem is reported once as
 *     FILE:LINE: [plugin instance] key: problem
 * and makes the getter return -EINVAL; the host also refuses keys a
 * plugin did not declare in its nh_conf_key table, repeats of single
 * keys, and missing required ones. Numbers are decimal.
 */
#ifndef NETHOST_CONF_H
#define NETHOST_CONF_H

#include <stdint.h>

#include <nethost/sock.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nh_section nh_section;

/* One key a plugin accepts. The table's stride travels in the
 * descriptor (nh_plugin.key_size), so fields can be added at the end. */
struct nh_conf_key {
	const char *name;
	const char *help;  /* "HOST:PORT to relay to": `nethost help PLUGIN`, -t */
	int multi;         /* 1: the key may appear more than once */
	int required;      /* 1: a section without it is an error */
};

/* The section's plugin and instance names: [plugin instance]. */
const char *nh_section_plugin(const nh_section *sec);
const char *nh_section_instance(const nh_section *sec);
/* Number of values for key (repeats of a multi key), 0 when absent. */
int nh_conf_count(const nh_section *sec, const char *key);
/* The i-th raw value and its line, or NULL. */
const char *nh_conf_value(const nh_section *sec, const char *key, int i, int *line);

/* Report a problem with a key, in the standard form (one problem line).
 * Returns -EINVAL for convenience. key may be NULL for the section. */
int nh_conf_error(const nh_section *sec, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same, at the line of the i-th value of a repeatable key (the one
 * nh_conf_value(sec, key, i, ...) returns). */
int nh_conf_error_at(const nh_section *sec, const char *key, int i, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Getters: 0 and *out set (def when absent), or -EINVAL (reported).
 * Strings stay owned by the section: copy what you keep past create(). */
int nh_conf_get_str(const nh_section *sec, const char *key, const char *def, const char **out);
int nh_conf_get_int(const nh_section *sec, const char *key, long def, long min, long max,
		    long *out);
/* yes/no, true/false, on/off, 1/0. */
int nh_conf_get_bool(const nh_section *sec, const char *key, int def, int *out);
/* "250ms", "10s", "2m", "1h", "1.5s"; a bare number is seconds. */
int nh_conf_get_duration_ms(const nh_section *sec, const char *key, int64_t def_ms,
			    int64_t *out);
/* A numeric address (see nh_addr_parse); *present says whether given. */
int nh_conf_get_addr(const nh_section *sec, const char *key, int default_port, nh_addr *out,
		     int *present);
/* Every value of key (each a list separated by commas or spaces) as one
 * malloc'd CIDR array (free it). *n = 0 and *out = NULL when absent. */
int nh_conf_get_cidr_list(const nh_section *sec, const char *key, nh_cidr **out, int *n);

/* Durations outside config files ("-i 0.2", "--timeout 5s"); -EINVAL
 * with the text quoted in err. */
int nh_duration_parse_ms(const char *text, int64_t *out, nh_error *err);

#ifdef __cplusplus
}
#endif
#endif
