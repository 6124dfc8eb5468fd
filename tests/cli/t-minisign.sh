#!/bin/sh
# SPDX-License-Identifier: ISC
# t-minisign.sh - keys move freely between qasid and Debian's minisign: keys
# minisign makes (without a password, and with one fed on standard input)
# sign bundles, and keys qasid makes sign and verify files in minisign.
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/cli/cli.sh"

mkdir -p "$W/in/statements"
printf 'Statement of the week.\n' >"$W/in/statements/statement.txt"
printf 'بیانیهٔ هفته\n' >"$W/in/statements/$FA_FILE"

t_begin "a key from minisign -G -W packs; its public key verifies"
if t_need minisign; then
	run 0 minisign -G -W -p "$W/m.pub" -s "$W/m.sec"
	run 0 "$QASID" pack -s "$W/m.sec" -o "$W/m.qasid" -t "From minisign" \
	    "$W/in/statements"
	run 0 "$QASID" verify -p "$W/m.pub" "$W/m.qasid"
	# The id qasid reports is the one minisign wrote in the key's comment.
	t_grep "OK \"From minisign\" key $(keyid "$W/m.pub") " "$OUT"
	run 0 "$QASID" verify -P "$(keystring "$W/m.pub")" "$W/m.qasid"
	run 0 "$QASID" trust add "$W/m.pub" -n minisign -K "$W/ring"
	t_grep "^trusted $(keyid "$W/m.pub") " "$OUT"
	run 0 "$QASID" unpack -K "$W/ring" -C "$W/m-out" "$W/m.qasid"
	t_same "$W/in/statements/$FA_FILE" "$W/m-out/statements/$FA_FILE"
fi
t_end

t_begin "a key from minisign -G with a password on stdin packs"
if t_need minisign; then
	printf 'a long pass phrase\na long pass phrase\n' >"$W/pw2"
	printf 'a long pass phrase\n' >"$W/pw1"
	run_in 0 "$W/pw2" minisign -G -p "$W/e.pub" -s "$W/e.sec"
	t_grep "^untrusted comment: minisign encrypted secret key" "$W/e.sec"
	run_in 0 "$W/pw1" "$QASID" pack -s "$W/e.sec" -o "$W/e.qasid" \
	    "$W/in/statements"
	run 0 "$QASID" verify -p "$W/e.pub" "$W/e.qasid"
	t_grep "key $(keyid "$W/e.pub") " "$OUT"
fi
t_end

t_begin "a key from qasid keygen -W signs and verifies in minisign"
if t_need minisign; then
	run 0 "$QASID" keygen -W -p "$W/q.pub" -s "$W/q.sec"
	"$QASID" keygen -W -p "$W/q2.pub" -s "$W/q2.sec" >/dev/null
	cp "$W/in/statements/statement.txt" "$W/doc.txt"
	run 0 minisign -S -s "$W/q.sec" -m "$W/doc.txt" -t "signed by hand"
	t_exists "$W/doc.txt.minisig"
	run 0 minisign -V -p "$W/q.pub" -m "$W/doc.txt"
	t_grep "signed by hand" "$OUT"
	run 0 minisign -V -P "$(keystring "$W/q.pub")" -m "$W/doc.txt"
	# So the check is real: another key, or another file, fails.
	run 1 minisign -V -p "$W/q2.pub" -m "$W/doc.txt"
	printf 'changed\n' >>"$W/doc.txt"
	run 1 minisign -V -p "$W/q.pub" -m "$W/doc.txt"
	run 0 "$QASID" pack -s "$W/q.sec" -o "$W/q.qasid" "$W/in/statements"
	run 0 "$QASID" verify -p "$W/q.pub" "$W/q.qasid"
fi
t_end
