/* Naming the culprit of a fatal signal: SIGSEGV, SIGBUS, SIGABRT, SIGFPE
 * or SIGILL writes one line saying which plugin, instance and callback
 * the host was in, then the process dies of that signal as before
 * (exit status 128 + signo; the unit restarts on failure). */
#ifndef NH_HOST_CRASH_H
#define NH_HOST_CRASH_H

#include <stdint.h>

#include <nethost/loop.h>

/* Install the handlers on an alternate stack (a stack overflow still gets
 * its line). 0 or -errno. */
int crash_install(void);

/* Around every call into a plugin. The strings are not copied: they must
 * live until crash_leave(). callback is "start()" etc.; instance may be
 * NULL. */
void crash_enter(const char *plugin, const char *instance, const char *callback);
/* Around a CLI command's run(). */
void crash_enter_command(const char *plugin, const char *command);
void crash_leave(void);

/* The loop whose running callback a crash is blamed on (NULL: none). */
void crash_watch_loop(nh_loop *loop);

/* Plugin name for the code in [lo, hi): a loop callback there is blamed
 * on it. name is not copied; crash_forget_plugin() before it goes.
 * 0, or -ENOSPC when the table is full (the plugin loads, unnamed). */
int crash_add_plugin(const char *name, uintptr_t lo, uintptr_t hi);
void crash_forget_plugin(const char *name);

#endif
