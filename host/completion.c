/* completion: bash completion from the usage texts. Options come from the
 * usage's option lines ("  -c, --count N   text"), subcommands from its
 * first lines ("echo6 serve ...", "       nethost echo6 send ..."). */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "completion.h"

/* What the script needs of one command, as space-separated words. */
struct completion_words {
	char opts[2048];     /* every option */
	char arg_opts[1024]; /* the options that take an argument */
	char subs[256];      /* subcommands */
};

/* A word goes into the script between single quotes and as a case
 * label: only characters that mean nothing to the shell there. */
static int safe_word(const char *w, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)w[i]) && !strchr("-_.:@+", w[i]))
			return 0;
	return len > 0;
}

static void add_word(char *list, size_t size, const char *w, size_t len)
{
	size_t n = strlen(list);

	if (!safe_word(w, len))
		return;
	/* A word already there: usages list "-u, --udp" for serve and send. */
	for (const char *p = list; *p;) {
		const char *sp = strchr(p, ' ');
		size_t plen = sp ? (size_t)(sp - p) : strlen(p);
		if (plen == len && strncmp(p, w, len) == 0)
			return;
		p += plen + (sp != NULL);
	}
	if (n + len + 2 > size)
		return; /* far beyond any usage text; a shorter list still completes */
	if (n)
		list[n++] = ' ';
	memcpy(list + n, w, len);
	list[n + len] = '\0';
}

/* An option line: indent, then options ("-c," "--count") and maybe an
 * argument name, up to two spaces or the end. Other lines add nothing. */
static void parse_option_line(const char *line, size_t len, struct completion_words *w)
{
	const char *p = line, *end = line + len;
	int takes_arg = 0;

	while (p < end && *p == ' ')
		p++;
	if (p == line || p == end || *p != '-')
		return;
	const char *stop = p;
	while (stop < end && !(stop[0] == ' ' && stop + 1 < end && stop[1] == ' '))
		stop++;
	char line_opts[256] = ""; /* this line's options */
	while (p < stop) {
		const char *t = p;
		while (p < stop && *p != ' ' && *p != ',')
			p++;
		size_t tlen = (size_t)(p - t);
		if (tlen >= 2 && t[0] == '-' && !(tlen == 2 && t[1] == '-'))
			add_word(line_opts, sizeof(line_opts), t, tlen);
		else if (tlen && line_opts[0])
			takes_arg = 1; /* "--count N": N names the argument */
		while (p < stop && (*p == ' ' || *p == ','))
			p++;
	}
	for (char *save = NULL, *t = strtok_r(line_opts, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		add_word(w->opts, sizeof(w->opts), t, strlen(t));
		if (takes_arg)
			add_word(w->arg_opts, sizeof(w->arg_opts), t, strlen(t));
	}
}

/* A first line: "[nethost ]NAME WORD ..." where WORD is a lowercase
 * subcommand, maybe bracketed as the default ("ifaces [list]"). */
static void parse_synopsis_line(const char *line, size_t len, const char *name,
				struct completion_words *w)
{
	const char *p = line, *end = line + len;
	size_t nlen = strlen(name);

	while (p < end && *p == ' ')
		p++;
	if ((size_t)(end - p) > 7 && strncmp(p, "usage: ", 7) == 0)
		p += 7;
	if ((size_t)(end - p) > 8 && strncmp(p, "nethost ", 8) == 0)
		p += 8;
	if ((size_t)(end - p) > 10 && strncmp(p, "[OPTIONS] ", 10) == 0)
		p += 10;
	if ((size_t)(end - p) <= nlen || strncmp(p, name, nlen) != 0 || p[nlen] != ' ')
		return;
	p += nlen + 1;
	int bracket = *p == '[';
	p += bracket;
	const char *t = p;
	while (p < end && islower((unsigned char)*p))
		p++;
	if (p == t || (p < end && *p != ' ' && !(bracket && *p == ']')))
		return;
	add_word(w->subs, sizeof(w->subs), t, (size_t)(p - t));
}

static void parse_usage(const char *usage, const char *name, struct completion_words *w)
{
	int synopsis = 1; /* the first line and its continuations */

	memset(w, 0, sizeof(*w));
	for (const char *line = usage; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		/* After the first line, only "       nethost NAME ..." goes on. */
		if (line != usage && !(len > 7 && strncmp(line, "       ", 7) == 0))
			synopsis = 0;
		if (synopsis)
			parse_synopsis_line(line, len, name, w);
		parse_option_line(line, len, w);
		line = nl ? nl + 1 : NULL;
	}
}

/* One case of the script's command switch. */
static void print_case(FILE *out, const char *name, const char *usage)
{
	struct completion_words w;

	if (!safe_word(name, strlen(name)))
		return; /* left out rather than break the script */
	parse_usage(usage ? usage : "", name, &w);
	fprintf(out, "\t%s) opts='%s' arg_opts='%s' subs='%s' ;;\n", name, w.opts, w.arg_opts,
		w.subs);
}

struct completion_walk {
	FILE *out;
	struct loader *ld;
	char commands[4096]; /* every command */
	char topics[8192];   /* what help takes: commands and plugin names */
	int cases; /* print the case lines (second pass) */
};

static void walk_plugin(const char *name, void *arg)
{
	struct completion_walk *cw = arg;
	const struct loaded_plugin *lp = loader_get(cw->ld, name, NULL);

	if (!lp)
		return;
	if (!cw->cases)
		add_word(cw->topics, sizeof(cw->topics), name, strlen(name));
	for (const struct nh_command *c = lp->desc->commands; c && c->name; c++) {
		if (cw->cases)
			print_case(cw->out, c->name, c->usage);
		else
			add_word(cw->commands, sizeof(cw->commands), c->name, strlen(c->name));
	}
}

static const char script_head[] =
	"# bash completion for nethost. Generated by `nethost completion bash`\n"
	"# from the commands' usage texts: do not edit, regenerate.\n"
	"\n"
	"_nethost()\n"
	"{\n"
	"\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	"\tlocal i cmd='' at=0 opts='' arg_opts='' subs=''\n"
	"\tCOMPREPLY=()\n"
	"\t# The command: the first word that is no host option nor its argument.\n"
	"\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
	"\t\tcase ${COMP_WORDS[i]} in\n"
	"\t\t-c|--config|-p|--plugin-path) ((i++)) ;;\n"
	"\t\t-*) ;;\n"
	"\t\t*) cmd=${COMP_WORDS[i]} at=$i; break ;;\n"
	"\t\tesac\n"
	"\tdone\n"
	"\t# Host options, before the command and after serve.\n"
	"\tif [[ -z $cmd || $cmd == serve ]]; then\n"
	"\t\tcase $prev in\n"
	"\t\t-c|--config) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
	"\t\t-p|--plugin-path) COMPREPLY=($(compgen -d -- \"$cur\")); return ;;\n"
	"\t\tesac\n"
	"\tfi\n";

void completion_print_bash(FILE *out, struct loader *ld, const char *host_usage,
			   const struct builtin_command *builtins, size_t n)
{
	struct completion_walk cw = { .out = out, .ld = ld };
	struct completion_words host;

	loader_each_name(ld, walk_plugin, &cw);
	for (size_t i = 0; i < n; i++)
		add_word(cw.commands, sizeof(cw.commands), builtins[i].name, strlen(builtins[i].name));
	parse_usage(host_usage, "nethost", &host);
	char *topics = strdup(cw.topics); /* commands first, then plugins */
	if (topics) {
		strcpy(cw.topics, cw.commands);
		for (char *save = NULL, *t = strtok_r(topics, " ", &save); t; t = strtok_r(NULL, " ", &save))
			add_word(cw.topics, sizeof(cw.topics), t, strlen(t));
		free(topics);
	}

	fputs(script_head, out);
	fprintf(out,
		"\tif [[ -z $cmd ]]; then\n"
		"\t\tif [[ $cur == -* ]]; then\n"
		"\t\t\tCOMPREPLY=($(compgen -W '%s' -- \"$cur\"))\n"
		"\t\telse\n"
		"\t\t\tCOMPREPLY=($(compgen -W '%s' -- \"$cur\"))\n"
		"\t\tfi\n"
		"\t\treturn\n"
		"\tfi\n",
		host.opts, cw.commands);
	fprintf(out,
		"\tcase $cmd in\n"
		"\thelp) ((COMP_CWORD == at + 1)) && COMPREPLY=($(compgen -W '%s' -- \"$cur\"))\n"
		"\t\treturn ;;\n"
		"\tserve) opts='%s' arg_opts='%s' ;;\n",
		cw.topics, host.opts, host.arg_opts);
	for (size_t i = 0; i < n; i++)
		if (strcmp(builtins[i].name, "help") != 0 && strcmp(builtins[i].name, "serve") != 0)
			print_case(out, builtins[i].name, builtins[i].usage);
	cw.cases = 1;
	loader_each_name(ld, walk_plugin, &cw);
	fputs("\t*) return ;;\n"
	      "\tesac\n"
	      "\t# An option's argument: a file name is the likeliest.\n"
	      "\tif [[ \" $arg_opts \" == *\" $prev \"* ]]; then\n"
	      "\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
	      "\telif [[ $cur == -* ]]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W \"$opts --help\" -- \"$cur\"))\n"
	      "\telif [[ -n $subs ]] && ((COMP_CWORD == at + 1)); then\n"
	      "\t\tCOMPREPLY=($(compgen -W \"$subs\" -- \"$cur\"))\n"
	      "\tfi\n"
	      "}\n"
	      "complete -F _nethost nethost\n",
	      out);
}
