#!/bin/sh
# Bash completion: the script the build generated completes commands,
# options, subcommands and files, and offers every option every usage
# text lists (parsed here on its own, so a drift shows).
. "$top_srcdir/tests/lib.sh"

script="$top_builddir/conf/nethost.bash"
[ -f "$script" ] || fail "no $script (make generates it)"
"$NETHOST" completion bash > "$TMP/fresh" || fail "completion bash: exit $?"
cmp -s "$script" "$TMP/fresh" || fail "$script differs from nethost completion bash"
"$NETHOST" completion zsh > /dev/null 2> "$TMP/err"
[ $? = 2 ] || fail "completion zsh: want exit 2"
grep -q "unknown shell 'zsh'" "$TMP/err" || fail "completion zsh: $(cat "$TMP/err")"
ok "the generated script is this host's; an unknown shell is refused"

# complete WORD... : what _nethost offers for the last word, one a line.
cat > "$TMP/drive.bash" <<DRIVE
. "$script"
complete_words() {
	COMP_WORDS=("\$@"); COMP_CWORD=\$((\$# - 1)); COMPREPLY=()
	_nethost nethost "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
	printf '%s\n' "\${COMPREPLY[@]}"
}
complete_words "\$@"
DRIVE
complete_of() { (cd "$TMP/files" && bash "$TMP/drive.bash" "$@"); }
offers() { # offers WANT WORD...: WANT is among the completions of WORD...
	want=$1; shift
	complete_of "$@" | grep -qx -- "$want" || fail "'$*' does not offer '$want': $(complete_of "$@" | tr '\n' ' ')"
}
mkdir -p "$TMP/files/confdir" && : > "$TMP/files/my.ini"

offers ping nethost ""
offers sweep nethost sw
offers plugins nethost ""
offers completion nethost ""
offers unixipc nethost -v ""
offers --plugin-path nethost --pl
ok "commands and host options"
offers ctl nethost ""
offers status nethost ctl ""
offers targets nethost ctl ""
offers --socket nethost ctl --so
offers --json nethost ctl status --js
ok "nethost ctl: its commands and options"

offers -c nethost ping -
offers --count nethost ping -
offers --count nethost -q ping --co
offers --json nethost wait --
offers --help nethost ifaces -
ok "a command's options"

offers serve nethost echo6 ""
offers send nethost echo6 ""
offers pair nethost unixipc ""
offers status nethost ifaces ""
offers ip nethost ifaces ""
offers prefix nethost ipv6 ""
offers bash nethost completion ""
[ -z "$(complete_of nethost ping "")" ] || fail "ping offers subcommands: $(complete_of nethost ping "")"
ok "subcommands"

offers icmp nethost help ""
offers forward nethost help ""
offers ping nethost help ""
offers serve nethost help ""
ok "help offers commands and plugin names"

offers my.ini nethost -c ""
offers my.ini nethost --config m
offers confdir nethost -p ""
complete_of nethost -p "" | grep -qx my.ini && fail "-p offers a file"
offers my.ini nethost serve -c ""
ok "-c completes files, -p directories"

# The drift check: every option of every usage text is offered.
"$NETHOST" --help > "$TMP/help" || fail "--help: exit $?"
commands=$(sed -n '/^Commands from plugins:/,$p' "$TMP/help" | sed -n 's/^  \([a-z0-9]*\) .*/\1/p')
[ -n "$commands" ] || fail "no commands in --help"
checked=0
for cmd in "" serve plugins completion $commands; do
	if [ -z "$cmd" ]; then cp "$TMP/help" "$TMP/usage"; else "$NETHOST" help "$cmd" > "$TMP/usage" || fail "help $cmd: exit $?"; fi
	# Option lines: indent, then -x / --long words up to two spaces.
	opts=$(sed -n 's/^ \{1,\}\(-[^ ].*\)$/\1/p' "$TMP/usage" | sed -e 's/  .*//' -e 's/[, ][, ]*/\n/g' |
		grep -E '^--?[A-Za-z0-9]' || true)
	complete_of nethost ${cmd:+"$cmd"} - > "$TMP/offered"
	for o in $opts; do
		grep -qx -- "$o" "$TMP/offered" || fail "'nethost $cmd -' does not offer '$o' (its usage lists it)"
		checked=$((checked + 1))
	done
done
[ "$checked" -gt 50 ] || fail "only $checked options checked"
ok "every option of every usage is offered ($checked)"
