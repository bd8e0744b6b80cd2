/* Reading a plugin's descriptor whatever minor of ABI 2 built it. */
#ifndef NH_HOST_DESCRIPTOR_H
#define NH_HOST_DESCRIPTOR_H

#include <stddef.h>

#include <nethost/plugin.h>

/* Copy raw (whose ABI major the caller checked) into out, at this host's
 * sizes; the key, command and control tables are copied too (free them with
 * descriptor_release). 0, or -errno with the reason in why. */
int descriptor_adopt(const struct nh_plugin *raw, struct nh_plugin *out, char *why, size_t len);
void descriptor_release(struct nh_plugin *d);

#endif
