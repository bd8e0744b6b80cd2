/* Structs that start with their own size (ABI 2): private to libnethost. */
#ifndef NH_SIZED_H
#define NH_SIZED_H

#include <errno.h>
#include <stddef.h>
#include <string.h>

/* Overlay the caller's struct src (its first field, a size_t, says how
 * many bytes it has) on our dst, which already holds the defaults: an
 * older caller's struct is shorter, and the fields it lacks keep them.
 * 0, or -EINVAL when src cannot even hold its size. */
static inline int nh_sized_read(void *dst, size_t dst_size, const void *src)
{
	size_t n;

	if (!src)
		return -EINVAL;
	memcpy(&n, src, sizeof(n));
	if (n < sizeof(size_t))
		return -EINVAL;
	memcpy((char *)dst + sizeof(size_t), (const char *)src + sizeof(size_t),
	       (n < dst_size ? n : dst_size) - sizeof(size_t));
	return 0;
}

/* Hand our full struct src to the caller's dst, whose first field says
 * how many bytes it can take; that field is left as it is. */
static inline void nh_sized_write(void *dst, const void *src, size_t src_size)
{
	size_t n;

	memcpy(&n, dst, sizeof(n));
	if (n <= sizeof(size_t))
		return;
	memcpy((char *)dst + sizeof(size_t), (const char *)src + sizeof(size_t),
	       (n < src_size ? n : src_size) - sizeof(size_t));
}

#endif
