/* The head of struct nh_loop, for the host's crash handler only: never
 * installed, never included by plugins. sdk/loop.c puts it first in
 * struct nh_loop, so a loop pointer is a pointer to it. */
#ifndef NH_LOOP_PRIVATE_H
#define NH_LOOP_PRIVATE_H

struct nh_loop_head {
	/* The callback the loop is running now (an io, timer, signal or
	 * defer callback), NULL between callbacks; and which kind it is. A
	 * signal handler reads them, hence volatile. */
	void *volatile running_cb;
	const char *volatile running_kind;
};

#endif
