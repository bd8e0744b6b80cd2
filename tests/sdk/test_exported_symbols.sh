#!/bin/sh
# libnethost exports exactly the documented API: the functions declared in
# the public headers, all under the version node of the ABI, and no data.
. "$top_srcdir/tests/lib.sh"

lib="$top_builddir/sdk/.libs/libnethost.so"
[ -f "$lib" ] || fail "no $lib"

# Declared: every nh_ name followed by '(' outside comments, less the
# macros and static inline functions (they are not exported).
for h in "$top_srcdir"/sdk/nethost/*.h; do
	sed -e 's|/\*.*\*/||g' -e '/\/\*/,/\*\//d' "$h"
done | grep -v '^[[:space:]]*#' | grep -oE '\bnh_[a-z0-9_]+[[:space:]]*\(' | sed 's/[[:space:]]*($//' |
	sort -u > "$TMP/declared.all"
inline=$(cat "$top_srcdir"/sdk/nethost/*.h | sed -n 's/^static inline [^(]*\b\(nh_[a-z0-9_]*\)(.*/\1/p')
macros=$(cat "$top_srcdir"/sdk/nethost/*.h | sed -n 's/^#define \(nh_[a-z0-9_]*\)(.*/\1/p')
for n in $inline $macros; do echo "$n"; done | sort -u > "$TMP/notexported"
comm -23 "$TMP/declared.all" "$TMP/notexported" > "$TMP/declared"

nm -D --defined-only "$lib" | awk '$2 != "A" { print $2, $3 }' > "$TMP/nm"
awk '$1 != "T" && $1 != "t"' "$TMP/nm" > "$TMP/data"
[ -s "$TMP/data" ] && { cat "$TMP/data"; fail "libnethost exports data symbols (no globals in the ABI)"; }
ok "no data symbols exported"

awk '{ print $2 }' "$TMP/nm" | sed 's/@.*//' | sort -u > "$TMP/exported"
if ! cmp -s "$TMP/declared" "$TMP/exported"; then
	diff "$TMP/declared" "$TMP/exported" | sed 's/^</declared, not exported:/; s/^>/exported, not declared:/'
	fail "the exports differ from the public headers"
fi
ok "exports equal the $(wc -l < "$TMP/declared") functions of the public headers"

# Every export carries the ABI's version node.
objdump -T "$lib" | awk '/ nh_/ && !/NETHOST_2\.[0-9]+/' > "$TMP/unversioned"
[ -s "$TMP/unversioned" ] && { cat "$TMP/unversioned"; fail "exports outside a NETHOST_2.x node"; }
ok "every export is versioned NETHOST_2.x"

# The version script and the headers agree (a new function is one line there).
sed -n 's/^[[:space:]]*\(nh_[a-z0-9_]*\);$/\1/p' "$top_srcdir/sdk/libnethost.sym" | sort -u > "$TMP/sym"
cmp -s "$TMP/sym" "$TMP/declared" || { diff "$TMP/sym" "$TMP/declared"; fail "sdk/libnethost.sym differs from the headers"; }
ok "sdk/libnethost.sym lists exactly the header functions"

# No mutable process globals inside libnethost either (host state lives in
# the host, behind the ctx): nothing of ours in .data or .bss; constant
# tables are in .rodata / .data.rel.ro.
objdump -t "$lib" | awk '($4 == ".data" || $4 == ".bss") { print $NF }' |
	grep -vxE 'completed\.0|__dso_handle|__TMC_END__' > "$TMP/mutable"
[ -s "$TMP/mutable" ] && { cat "$TMP/mutable"; fail "libnethost has mutable globals"; }
ok "no mutable globals in libnethost"
