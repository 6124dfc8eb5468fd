#!/bin/sh
# SPDX-License-Identifier: ISC
# t-tarheader.sh - section 4 of docs/FORMAT.md, the canonical tar header,
# against the library's own header maker (src/format/tar.c, libarchive): for
# hundreds of random entries (long, split and non-ASCII names, folders,
# sizes around 2^33 and 2^36, creation times around 2^31 and 2^33, negative
# times) refcheck.py's implementation of the text must give the same bytes.
. "$QASID_TOP/tests/lib.sh"

F="$QASID_TOP/tests/format"
CC=${CC:-cc}

if ! command -v python3 >/dev/null 2>&1 || ! command -v "$CC" >/dev/null 2>&1
then
	t_skip "canonical tar headers" "needs python3 and a C compiler"
	exit 0
fi

# Reads "ISDIR MODE SIZE MTIME PATH" lines; prints each header in hex.
cat >"$W/th.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "tar.h"

int
main(void)
{
	static char line[8192];
	struct qbuf b = {0};
	char *p, *end;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		struct qtar_entry te;

		line[strcspn(line, "\n")] = '\0';
		te.is_dir = (int)strtol(line, &p, 10);
		te.mode = (unsigned)strtoul(p, &p, 8);
		te.size = strtoull(p, &p, 10);
		te.mtime = strtoll(p, &end, 10);
		te.path = end + 1;
		b.len = 0;
		if (qtar_header(&te, &b) != QASID_OK)
			return 1;
		for (size_t i = 0; i < b.len; i++)
			printf("%02x", b.p[i]);
		putchar('\n');
	}
	qbuf_free(&b);
	return 0;
}
EOF

cat >"$W/cases.py" <<'EOF'
import random, sys
sys.path.insert(0, sys.argv[1])
from refcheck import tar_header
random.seed(int(sys.argv[2]))
mode = sys.argv[3]
letters = ["a", "b", "Z", "-", "_", "é", "ش", "😀", "x", "."]
def comp():
    n = random.choice([1, 2, 3, 9, 40, 90, 97, 98, 99, 100, 101, 120, 154,
                       155, 156, 200, 250])
    s = "".join(random.choice(letters) for _ in range(n))
    while len(s.encode()) > 255:
        s = s[:-1]
    s = s.rstrip(". ")
    return s or "q"
for _ in range(int(sys.argv[4])):
    p = "/".join(comp() for _ in range(random.choice([1, 1, 2, 2, 3, 5, 9])))
    if len(p.encode()) > 4095:
        continue
    d = random.random() < 0.3
    size = 0 if d else random.choice([0, 5, 511, 512, 2**33 - 1, 2**33,
                                      2**36 - 1, 2**36, 2**44])
    t = random.choice([0, 1700000000, 2**31 - 2, 2**31 - 1, 2**33 - 1,
                       2**33, -1, -2**31, 2**62])
    m = random.choice([0o644, 0o755])
    if mode == "in":
        print("%d %o %d %d %s" % (d, m, size, t, p))
    else:
        print(tar_header(p.encode(), d, m, size, t).hex())
EOF

t_begin "tar headers: a helper linked with libqasid.a builds"
run 0 "$CC" $T_SAN -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
    -I"$QASID_TOP/include" -I"$QASID_TOP/src/core" \
    -I"$QASID_TOP/src/format" -I"$QASID_TOP/src/os" -o "$W/th" "$W/th.c" \
    "$QASID_BUILD/libqasid.a" $(pkg-config --libs libarchive libsodium zlib libexif) \
    -lpthread -lm
t_end

for seed in 1 2 3; do
	t_begin "tar headers: FORMAT.md section 4 gives libarchive's bytes (seed $seed)"
	python3 "$W/cases.py" "$F" "$seed" in 300 >"$W/in.$seed"
	python3 "$W/cases.py" "$F" "$seed" out 300 >"$W/want.$seed"
	run_in 0 "$W/in.$seed" "$W/th"
	[ "$(wc -l <"$W/in.$seed")" -ge 250 ] || t_fail "too few cases"
	[ "$(wc -l <"$OUT")" -eq "$(wc -l <"$W/in.$seed")" ] ||
		t_fail "the helper made $(wc -l <"$OUT") headers"
	if ! cmp -s "$OUT" "$W/want.$seed"; then
		n=$(paste "$OUT" "$W/want.$seed" | awk '$1 != $2' | wc -l)
		first=$(paste "$OUT" "$W/want.$seed" |
		    awk '$1 != $2 { print NR; exit }')
		t_fail "$n of $(wc -l <"$W/in.$seed") headers differ; first:" \
		    "$(sed -n "${first:-1}p" "$W/in.$seed")"
	fi
	t_end
done
