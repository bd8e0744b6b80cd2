/* nethost: the plugin host. One binary, two faces: a service that runs
 * the instances an INI file declares, and a CLI whose subcommands come
 * from plugins. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "completion.h"
#include "crash.h"
#include "ctl_client.h"
#include "loader.h"
#include "host.h"
#include "service.h"

static const char usage_text[] =
	"usage: nethost [OPTIONS] -c FILE            run the service\n"
	"       nethost [OPTIONS] -t -c FILE         check FILE and its plugins, then exit\n"
	"       nethost [OPTIONS] serve -c FILE      same as -c FILE\n"
	"       nethost [OPTIONS] plugins [--json]   list the plugins found\n"
	"       nethost [OPTIONS] ctl COMMAND        ask the running service (nethost ctl --help)\n"
	"       nethost [OPTIONS] COMMAND [ARGS...]  run a plugin's command\n"
	"       nethost [OPTIONS] completion bash    print the bash completion script\n"
	"       nethost help [COMMAND|PLUGIN]        show help (also: nethost COMMAND --help)\n"
	"\n"
	"Options:\n"
	"  -c, --config FILE       the INI file to run (default " NH_SYSCONFDIR "/nethost.ini with serve)\n"
	"  -t, --test              check the configuration and exit: 0 valid, 2 not\n"
	"  -p, --plugin-path DIRS  search DIRS (':'-separated) for plugins first\n"
	"  -v, --verbose           more log output (repeat for debug)\n"
	"  -q, --quiet             less log output (repeat for errors only)\n"
	"  -h, --help              this help\n"
	"  -V, --version           print the version\n"
	"\n"
	"Plugins are searched in --plugin-path, $NETHOST_PLUGIN_PATH, [nethost] plugin_path\n"
	"(of -c FILE, for commands too), then " NH_PLUGINDIR ".\n"
	"Signals (service): SIGHUP reloads FILE, SIGTERM/SIGINT stop, SIGUSR1 logs counters.\n"
	"Exit codes: 0 ok, 1 the job failed, 2 usage or configuration error.\n";

static void list_command(const char *name, void *arg)
{
	struct loader *ld = arg;
	const struct loaded_plugin *lp = loader_get(ld, name, NULL);

	for (const struct nh_command *c = lp ? lp->desc->commands : NULL; c && c->name; c++)
		printf("  %-10s %s\n", c->name, c->summary ? c->summary : "");
}

static int print_help(struct loader *ld)
{
	fputs(usage_text, stdout);
	printf("\nCommands from plugins:\n");
	loader_each_name(ld, list_command, ld);
	return 0;
}

/* A key's help line: the text, then what the table says of it. */
static void print_key(const struct nh_conf_key *k, int width)
{
	printf("  %-*s  %s%s%s\n", width, k->name, k->help ? k->help : "",
	       k->multi ? " (repeatable)" : "", k->required ? " (required)" : "");
}

/* "Keys of [PLUGIN NAME]:" and one line per key; nothing for a plugin
 * that runs no service instances. */
static void print_keys(const struct nh_plugin *d)
{
	int width = 0;

	if (!d->keys)
		return;
	for (const struct nh_conf_key *k = d->keys; k->name; k++)
		if ((int)strlen(k->name) > width)
			width = (int)strlen(k->name);
	printf("\nKeys of [%s NAME]:\n", d->name);
	for (const struct nh_conf_key *k = d->keys; k->name; k++)
		print_key(k, width);
}

/* nethost help PLUGIN when PLUGIN is not a command: what it is, its
 * commands and its keys. 0, or 2 when no such plugin (reported). */
static int print_plugin_help(struct loader *ld, const char *name)
{
	nh_error err;
	const struct loaded_plugin *lp = loader_get(ld, name, &err);

	if (!lp) {
		if (err.code == ENOENT)
			fprintf(stderr, "nethost: unknown command or plugin '%s' (see nethost --help)\n", name);
		else
			fprintf(stderr, "nethost: %s\n", err.msg);
		return 2;
	}
	const struct nh_plugin *d = lp->desc;
	printf("%s %s: %s\n%s\n", d->name, d->version ? d->version : "-", d->summary ? d->summary : "",
	       lp->path);
	if (d->commands) {
		printf("\nCommands (nethost help COMMAND):\n");
		for (const struct nh_command *c = d->commands; c->name; c++)
			printf("  %-10s %s\n", c->name, c->summary ? c->summary : "");
	}
	if (!d->keys)
		printf("\nRuns no service instances (CLI only).\n");
	print_keys(d);
	return 0;
}

static struct json_object *keys_json(const struct nh_conf_key *keys)
{
	struct json_object *a = json_object_new_array();

	for (const struct nh_conf_key *k = keys; k && k->name; k++) {
		struct json_object *o = json_object_new_object();
		nh_json_add_str(o, "name", k->name);
		nh_json_add_str(o, "help", k->help);
		nh_json_add_bool(o, "multi", k->multi);
		nh_json_add_bool(o, "required", k->required);
		json_object_array_add(a, o);
	}
	return a;
}

struct plugin_list {
	struct loader *ld;
	struct json_object *json;
	int failed;
};

static void list_plugin(const char *name, void *arg)
{
	struct plugin_list *pl = arg;
	nh_error err;
	const struct loaded_plugin *lp = loader_get(pl->ld, name, &err);

	if (!lp) {
		fprintf(stderr, "nethost: %s\n", err.msg);
		pl->failed = 1;
		return;
	}
	const struct nh_plugin *d = lp->desc;
	if (pl->json) {
		struct json_object *o = json_object_new_object(), *cmds = json_object_new_array();
		nh_json_add_str(o, "name", d->name);
		nh_json_add_str(o, "version", d->version);
		nh_json_add_str(o, "summary", d->summary);
		nh_json_add_str(o, "file", lp->path);
		nh_json_add_bool(o, "service", d->keys != NULL);
		for (const struct nh_command *c = d->commands; c && c->name; c++)
			json_object_array_add(cmds, json_object_new_string(c->name));
		json_object_object_add(o, "commands", cmds);
		json_object_object_add(o, "keys", keys_json(d->keys));
		json_object_array_add(pl->json, o);
		return;
	}
	printf("%-10s %-8s %s\n           %s\n", d->name, d->version ? d->version : "-",
	       d->summary ? d->summary : "", lp->path);
}

/* The host's own commands: their help, as plugins' commands have theirs. */
static const struct builtin_command builtin_help[] = {
	{ "serve", "usage: nethost [OPTIONS] serve [-c FILE] [-t]\n\n"
		   "Run the service on FILE (default " NH_SYSCONFDIR "/nethost.ini); with -t, check\n"
		   "FILE and every plugin it names, then exit 0 (valid) or 2.\n" },
	{ "plugins", "usage: nethost [OPTIONS] plugins [--json]\n\n"
		     "List every plugin found on the search path: name, version, summary, file;\n"
		     "with --json also its commands and config keys. Exit 1 if one was refused.\n"
		     "      --json       a JSON array of the plugins\n" },
	{ "ctl", ctl_usage },
	{ "help", "usage: nethost help [COMMAND | PLUGIN]\n\n"
		  "Show the host's help, a command's usage, or a plugin's commands and keys.\n" },
	{ "completion", "usage: nethost [OPTIONS] completion bash\n\n"
			"Print a bash completion script for every command the plugins found\n"
			"offer, built from their usage texts (installed as bash-completion's\n"
			"completions/nethost).\n" },
};

static const char *builtin_usage(const char *name)
{
	for (size_t i = 0; name && i < sizeof(builtin_help) / sizeof(builtin_help[0]); i++)
		if (strcmp(name, builtin_help[i].name) == 0)
			return builtin_help[i].usage;
	return NULL;
}

static int list_plugins(struct loader *ld, int argc, char **argv)
{
	struct plugin_list pl = { .ld = ld };

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(builtin_usage("plugins"), stdout);
		return 0;
	}
	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--json") != 0)) {
		fprintf(stderr, "nethost plugins: unexpected argument '%s'\nusage: nethost plugins [--json]\n",
			argv[1]);
		return 2;
	}
	if (argc == 2)
		pl.json = json_object_new_array();
	loader_each_name(ld, list_plugin, &pl);
	if (pl.json)
		nh_json_print(stdout, pl.json);
	return pl.failed ? 1 : 0;
}

static int print_completion(struct loader *ld, int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(builtin_usage("completion"), stdout);
		return 0;
	}
	if (argc != 2 || strcmp(argv[1], "bash") != 0) {
		fprintf(stderr, "nethost completion: %s%s%s\nusage: nethost completion bash\n",
			argc < 2 ? "missing SHELL" : "unknown shell '", argc < 2 ? "" : argv[1],
			argc < 2 ? "" : "' (bash)");
		return 2;
	}
	completion_print_bash(stdout, ld, usage_text, builtin_help,
			      sizeof(builtin_help) / sizeof(builtin_help[0]));
	return 0;
}

/* The one call into a command's plugin code. */
static int command_run(const struct nh_command *cmd, nh_ctx *ctx, int argc, char **argv)
{
	return cmd->run(ctx, argc, argv);
}

/* COMMAND --help: its usage, then the keys of the plugin of the same
 * name (nethost help forward shows [forward NAME]'s keys). */
static int command_help(struct loader *ld, nh_ctx *ctx, const char *name)
{
	int code = nh_cli_help(ctx);
	const struct loaded_plugin *same = loader_get(ld, name, NULL);

	if (code == 0 && same)
		print_keys(same->desc);
	return code;
}

struct command_lookup {
	const char *cmd;
	int same_refused; /* the plugin named like the command was refused */
};

static void say_refused(const char *plugin, const char *why, void *arg)
{
	struct command_lookup *cl = arg;

	cl->same_refused |= strcmp(plugin, cl->cmd) == 0;
	fprintf(stderr, "nethost: command '%s': plugin '%s' refused%s\n", cl->cmd, plugin, why);
}

static int run_command(struct loader *ld, int argc, char **argv)
{
	const struct nh_command *cmd;
	struct command_lookup cl = { .cmd = argv[0] };
	const struct loaded_plugin *lp = loader_find_command(ld, argv[0], &cmd, say_refused, &cl);

	if (!lp) {
		/* A refused plugin named like the command is the answer. */
		if (!cl.same_refused)
			fprintf(stderr, "nethost: unknown command '%s' (see nethost --help)\n", argv[0]);
		return 2;
	}
	nh_loop *loop = nh_loop_new();
	nh_ctx *ctx = loop ? host_ctx_new_cli(loop, cmd) : NULL;
	if (!ctx) {
		fprintf(stderr, "nethost: out of memory\n");
		nh_loop_free(loop);
		return 2;
	}
	int code;
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		code = command_help(ld, ctx, argv[0]);
	} else {
		optind = 0; /* a fresh getopt for the command */
		crash_watch_loop(loop);
		crash_enter_command(lp->name, cmd->name);
		code = command_run(cmd, ctx, argc, argv);
		crash_leave();
		crash_watch_loop(NULL);
	}
	host_ctx_free(ctx);
	nh_loop_free(loop);
	return code;
}

/* The CLI's loader: with -c FILE, FILE's [nethost] plugin_path is
 * searched too, as the service would. 0 or exit code 2 (reported). */
static int cli_loader_init(struct loader *ld, const struct host_options *opt)
{
	nh_config *cfg = NULL;
	const char *ini_path = NULL;

	if (opt->config_path) {
		if (!(cfg = nh_config_load(opt->config_path)))
			return 2;
		if (cfg->errors) {
			fprintf(stderr, "nethost: %s: %d problem%s\n", cfg->file, cfg->errors,
				cfg->errors == 1 ? "" : "s");
			nh_config_free(cfg);
			return 2;
		}
		nh_section *sec = nh_config_find(cfg, "nethost", "nethost");
		if (sec)
			nh_conf_get_str(sec, "plugin_path", NULL, &ini_path);
	}
	int r = loader_init(ld, opt->plugin_path, ini_path); /* it copies the path */
	nh_config_free(cfg);
	if (r < 0) {
		fprintf(stderr, "nethost: out of memory\n");
		return 2;
	}
	return 0;
}

/* The host's options, before the command and again after `serve`.
 * Returns -1 to go on, or the exit code to stop with. */
static int parse_options(int argc, char **argv, const char *shortopts, int version_ok,
			 struct host_options *opt, int *test, int *help)
{
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "test", no_argument, NULL, 't' },
		{ "plugin-path", required_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, shortopts, options, NULL)) != -1) {
		switch (c) {
		case 'c': opt->config_path = optarg; break;
		case 't': *test = 1; break;
		case 'p': opt->plugin_path = optarg; break;
		case 'v': opt->verbosity++; break;
		case 'q': opt->verbosity--; break;
		case 'h': *help = 1; break;
		case 'V':
			if (version_ok) {
				printf("nethost %s (plugin ABI %d.%d)\n", PACKAGE_VERSION, NH_ABI_MAJOR,
				       NH_ABI_MINOR);
				return 0;
			}
			/* fall through */
		default: fputs(usage_text, stderr); return 2;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct host_options opt = { 0 };
	int test = 0, help = 0;

	/* Before any plugin is loaded: a crash names its culprit. */
	crash_install();
	int code = parse_options(argc, argv, "+c:tp:vqhV", 1, &opt, &test, &help);
	if (code >= 0)
		return code;
	argc -= optind;
	argv += optind;

	const char *cmd = argc > 0 ? argv[0] : NULL;
	if (cmd && strcmp(cmd, "serve") == 0) {
		/* serve takes -c after the word too: nethost serve -c FILE */
		optind = 1;
		if ((code = parse_options(argc, argv, "c:tp:vqh", 0, &opt, &test, &help)) >= 0)
			return code;
		if (help) {
			fputs(builtin_usage("serve"), stdout);
			return 0;
		}
		if (optind < argc) {
			fprintf(stderr, "nethost serve: unexpected argument '%s'\n", argv[optind]);
			return 2;
		}
		if (!opt.config_path)
			opt.config_path = NH_SYSCONFDIR "/nethost.ini";
		cmd = NULL;
	}

	if (!cmd && !help) {
		if (!opt.config_path) {
			fputs(usage_text, stderr);
			return 2;
		}
		host_log_set_level(NH_LOG_INFO + opt.verbosity);
		if (test) {
			host_log_set_stamps(0); /* a report for a person, not a log */
			return service_test(&opt);
		}
		return service_run(&opt);
	}

	/* CLI: messages are for a person at a terminal, no timestamps. */
	host_log_set_stamps(0);
	host_log_set_level(NH_LOG_INFO + opt.verbosity);
	signal(SIGPIPE, SIG_IGN);
	struct loader ld;
	if ((code = cli_loader_init(&ld, &opt)) != 0)
		return code;
	if (help || strcmp(cmd, "help") == 0) {
		/* nethost help CMD, nethost -h CMD: the command's own usage. */
		const char *topic = cmd && strcmp(cmd, "help") != 0 ? cmd : argc >= 2 ? argv[1] : NULL;
		const struct nh_command *c;
		if (builtin_usage(topic)) {
			fputs(builtin_usage(topic), stdout);
			code = 0;
		} else if (topic && loader_find_command(&ld, topic, &c, NULL, NULL)) {
			char *args[] = { (char *)topic, "--help", NULL };
			code = run_command(&ld, 2, args);
		} else if (topic) {
			code = print_plugin_help(&ld, topic);
		} else {
			code = print_help(&ld);
		}
	} else if (strcmp(cmd, "plugins") == 0) {
		code = list_plugins(&ld, argc, argv);
	} else if (strcmp(cmd, "ctl") == 0) {
		code = ctl_main(&opt, argc, argv);
	} else if (strcmp(cmd, "completion") == 0) {
		code = print_completion(&ld, argc, argv);
	} else {
		code = run_command(&ld, argc, argv);
	}
	loader_free(&ld);
	return code;
}
