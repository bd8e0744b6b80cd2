/* The fatal-signal line: which plugin, instance and callback the host was
 * in when it crashed.
 *
 * The handler may run with the heap or stdio in any state, so it only
 * reads what was stored beforehand (pointers and numbers in static
 * variables), builds the line in a local buffer and write(2)s it. Then
 * the default action runs: the exit status is still 128 + signo. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "crash.h"
#include "nh_loop_private.h"

/* What crash_enter() recorded: the innermost call into a plugin. */
static const char *volatile cur_plugin;
static const char *volatile cur_instance;
static const char *volatile cur_callback;
static const char *volatile cur_command;

static const struct nh_loop_head *volatile watched_loop;

/* Each loaded plugin's mapped address range, for loop callbacks. */
#define MAX_PLUGINS 128
static struct plugin_range {
	const char *name; /* NULL: a free slot */
	uintptr_t lo, hi;
} ranges[MAX_PLUGINS];

void crash_enter(const char *plugin, const char *instance, const char *callback)
{
	cur_plugin = plugin;
	cur_instance = instance;
	cur_callback = callback;
	cur_command = NULL;
}

void crash_enter_command(const char *plugin, const char *command)
{
	cur_plugin = plugin;
	cur_instance = NULL;
	cur_callback = "run()";
	cur_command = command;
}

void crash_leave(void)
{
	cur_plugin = NULL;
	cur_instance = NULL;
	cur_callback = NULL;
	cur_command = NULL;
}

void crash_watch_loop(nh_loop *loop)
{
	/* struct nh_loop starts with its head (sdk/loop.c). */
	watched_loop = (const struct nh_loop_head *)loop;
}

int crash_add_plugin(const char *name, uintptr_t lo, uintptr_t hi)
{
	for (int i = 0; i < MAX_PLUGINS; i++)
		if (!ranges[i].name) {
			ranges[i].lo = lo;
			ranges[i].hi = hi;
			ranges[i].name = name; /* last: the slot is whole once named */
			return 0;
		}
	return -ENOSPC;
}

void crash_forget_plugin(const char *name)
{
	for (int i = 0; i < MAX_PLUGINS; i++)
		if (ranges[i].name == name)
			ranges[i].name = NULL;
}

/* ---- the handler: async-signal-safe from here on --------------------- */

struct line {
	char buf[640];
	size_t len;
};

static void put(struct line *l, const char *s)
{
	while (s && *s && l->len < sizeof(l->buf) - 1)
		l->buf[l->len++] = *s++;
}

/* name in quotes, after a word: " plugin 'forward'" */
static void put_quoted(struct line *l, const char *word, const char *name)
{
	put(l, word);
	put(l, " '");
	put(l, name);
	put(l, "'");
}

static const char *signal_name(int signo)
{
	switch (signo) {
	case SIGSEGV: return "SIGSEGV";
	case SIGBUS: return "SIGBUS";
	case SIGABRT: return "SIGABRT";
	case SIGFPE: return "SIGFPE";
	case SIGILL: return "SIGILL";
	default: return "a fatal signal";
	}
}

static const char *plugin_at(uintptr_t addr)
{
	for (int i = 0; i < MAX_PLUGINS; i++) {
		const char *name = ranges[i].name;
		if (name && addr >= ranges[i].lo && addr < ranges[i].hi)
			return name;
	}
	return NULL;
}

/* Where the host was: a loop callback in a plugin's code first (it may
 * run inside a command's run()), then the recorded plugin call. */
static void put_where(struct line *l)
{
	const struct nh_loop_head *loop = watched_loop;
	void *cb = loop ? loop->running_cb : NULL;
	const char *kind = loop ? loop->running_kind : NULL;
	const char *owner = cb ? plugin_at((uintptr_t)cb) : NULL;

	if (owner) {
		put_quoted(l, " in plugin", owner);
		put(l, " ");
		put(l, kind ? kind : "loop");
		put(l, " callback");
	} else if (cur_plugin) {
		put_quoted(l, " in plugin", cur_plugin);
		if (cur_command) {
			put_quoted(l, " command", cur_command);
			put(l, " ");
		} else {
			if (cur_instance)
				put_quoted(l, " instance", cur_instance);
			put(l, " callback ");
		}
		put(l, cur_callback);
	} else if (cb) {
		/* An SDK or host callback: it may serve a plugin, but which one
		 * cannot be told from here. */
		kind = kind ? kind : "loop";
		put(l, kind[0] == 'i' ? " in an " : " in a ");
		put(l, kind);
		put(l, " callback outside any plugin's code");
	} else {
		put(l, " in the host, outside any plugin call");
	}
}

static void on_fatal(int signo)
{
	struct line l = { .len = 0 };
	int saved = errno;

	put(&l, "nethost: fatal: ");
	put(&l, signal_name(signo));
	put_where(&l);
	put(&l, "\n");
	for (size_t off = 0; off < l.len;) {
		ssize_t n = write(STDERR_FILENO, l.buf + off, l.len - off);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	errno = saved;
	/* SA_RESETHAND put the default action back and SA_NODEFER leaves the
	 * signal unblocked: this ends the process with signo. A fault would
	 * also recur on return, but abort() and raise() would not. */
	raise(signo);
}

int crash_install(void)
{
	static char alt_stack[64 * 1024];
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL };
	stack_t ss = { .ss_sp = alt_stack, .ss_size = sizeof(alt_stack) };
	struct sigaction sa;

	if (sigaltstack(&ss, NULL) < 0)
		return -errno;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal;
	sa.sa_flags = SA_ONSTACK | SA_RESETHAND | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		if (sigaction(fatal[i], &sa, NULL) < 0)
			return -errno;
	return 0;
}
