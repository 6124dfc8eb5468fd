#!/bin/sh
# SPDX-License-Identifier: ISC
# t-trust-race.sh - many qasid changing one keyring at once lose nothing:
# each holds the keyring's lock (KEYRING.lock) from its load to its save,
# so no save drops a key trusted or a revocation taken by another. Without
# the lock the later save of two wins, and a revoked key is trusted again.
#
# The shim tests/hostile/lockdelay.c slows each write to a file, which
# holds open the window between a load and its save.
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/cli/cli.sh"

N=20
SHIM="$QASID_BUILD/tests/lockdelay.so"
PRELOAD=""
if [ -f "$SHIM" ]; then
	PRELOAD="$SHIM"
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
	export ASAN_OPTIONS
fi
mkdir -p "$W/keys"
i=0
while [ "$i" -lt "$N" ]; do
	"$QASID" keygen -q -W -p "$W/keys/a$i.pub" -s "$W/keys/a$i.sec" \
	    2>/dev/null
	"$QASID" keygen -q -W -p "$W/keys/b$i.pub" -s "$W/keys/b$i.sec" \
	    2>/dev/null
	i=$((i + 1))
done

# slow CMD...: runs CMD with each write to a file slowed, when the shim
# is there.
slow() {
	LD_PRELOAD="$PRELOAD" QASID_TEST_DELAY_IO_MS=$DELAY "$@"
}
DELAY=1

# together CMD...: runs CMD once for each i in 0..N-1, all at once, with
# "@" in its arguments replaced by i; fails if any run failed.
together() {
	t_pids=""
	t_bad=0
	i=0
	while [ "$i" -lt "$N" ]; do
		t_args=""
		for a in "$@"; do
			t_args="$t_args '$(printf '%s' "$a" | sed "s/@/$i/g")'"
		done
		eval "slow $t_args" >"$W/out.$i" 2>&1 </dev/null &
		t_pids="$t_pids $!"
		i=$((i + 1))
	done
	for p in $t_pids; do
		wait "$p" || t_bad=1
	done
	[ "$t_bad" -eq 0 ] ||
		t_fail "a run failed: $(cat "$W"/out.* | head -c 300)"
	return "$t_bad"
}

t_begin "$N keys trusted at once and $N revocations taken at once: all kept"
export QASID_KEYRING="$W/ring"
i=0
while [ "$i" -lt "$N" ]; do
	"$QASID" trust add -q -n "b$i" "$W/keys/b$i.pub" ||
		t_fail "trust add b$i"
	# Signed by the key itself: a revocation any recipient takes.
	"$QASID" key revoke -s "$W/keys/b$i.sec" -p "$W/keys/b$i.pub" \
	    -o "$W/keys/b$i.revoke" >/dev/null || t_fail "key revoke b$i"
	i=$((i + 1))
done
together "$QASID" trust add -q -n "a@" "$W/keys/a@.pub" &
adds=$!
together "$QASID" trust import -q "$W/keys/b@.revoke"
wait "$adds" || t_fail "a trust add failed"
run 0 "$QASID" trust list
t_lines $((2 * N)) "$OUT"
i=0
while [ "$i" -lt "$N" ]; do
	grep -q "^$(keyid "$W/keys/a$i.pub")  .*  a$i\$" "$OUT" ||
		t_fail "a$i is not trusted"
	grep -q "^$(keyid "$W/keys/b$i.pub")  .*  b$i  \\[retired\\]\$" \
	    "$OUT" || t_fail "b$i is not revoked: $(grep " b$i" "$OUT")"
	i=$((i + 1))
done
t_exists "$W/ring.lock"
t_end

t_begin "$N keys removed at once: none left, the others kept"
together "$QASID" trust remove -q "$W/keys/a@.pub"
run 0 "$QASID" trust list
t_lines "$N" "$OUT"
t_nogrep "  a[0-9]*\$" "$OUT"
t_end

# verify learns a rotation from the .qasid-keys folder beside a bundle
# while keys are trusted: it saves what it learnt to the keyring as it is
# by then, not as it was when verify read it.
t_begin "a rotation followed by verify, keys trusted meanwhile: all kept"
publisher_setup
export QASID_KEYRING="$W/ring2" QASID_STATE="$W/state2"
"$QASID" keygen -q -W -p "$P/k.pub" -s "$P/k.sec" 2>/dev/null
cp "$P/k.pub" "$W/k1.pub"
run 0 "$QASID" trust add -q -n news "$P/k.pub"
run 0 pack_at $T0 1 "$S/news-1.qasid"
run 0 "$QASID" verify -q "$S/news-1.qasid"
(cd "$P" && SOURCE_DATE_EPOCH=$((T0 + 100)) "$QASID" key rotate -q \
    -s k.sec -p k.pub -o "$S/.qasid-keys") || t_fail "key rotate"
run 0 pack_at $((T0 + 200)) 2 "$S/news-2.qasid"
k1=$(keyid "$W/k1.pub")
k2=$(keyid "$P/k.pub")
# verify waits 2 s before it locks the keyring to keep the rotation, so
# the trust adds come between its load and its save.
LD_PRELOAD="$PRELOAD" QASID_TEST_DELAY_EX_MS=2000 "$QASID" verify -q \
    "$S/news-2.qasid" >"$W/verify.out" 2>&1 &
vpid=$!
sleep 0.5
together "$QASID" trust add -q -n "a@" "$W/keys/a@.pub"
wait "$vpid" || t_fail "verify exited $?: $(cat "$W/verify.out")"
run 0 "$QASID" trust list
t_lines $((N + 2)) "$OUT"
t_grep "^$k1 .* news  \\[retired (rotated to $k2)\\]\$" "$OUT"
t_grep "^$k2 .* news\$" "$OUT"
i=0
while [ "$i" -lt "$N" ]; do
	grep -q "  a$i\$" "$OUT" || t_fail "a$i is not trusted"
	i=$((i + 1))
done
t_end

t_begin "a keyring folder no lock file can be made in: writers exit 2, readers go on"
if t_perms_apply; then
	mkdir -p "$W/ro"
	cp "$W/ring" "$W/ro/ring"
	chmod 0555 "$W/ro"
	run 2 $T_NOPERM "$QASID" trust add -K "$W/ro/ring" "$W/keys/a0.pub"
	t_grep "^qasid: $W/ro/ring.lock: Permission denied\$" "$ERR"
	t_lines 1 "$ERR"
	t_same "$W/ring" "$W/ro/ring"
	run 2 $T_NOPERM "$QASID" trust remove -K "$W/ro/ring" "$W/keys/b0.pub"
	t_grep "^qasid: $W/ro/ring.lock: " "$ERR"
	run 0 $T_NOPERM "$QASID" trust list -K "$W/ro/ring"
	t_lines "$N" "$OUT"
	# verify follows the rotation, and says it could not keep it; the
	# lock file is there already, so it is the keyring that is named.
	"$QASID" trust add -q -n news -K "$W/ro2/ring" "$W/k1.pub" ||
		t_fail "trust add"
	cp "$W/ro2/ring" "$W/ro2.before"
	chmod 0555 "$W/ro2"
	run 0 $T_NOPERM "$QASID" verify -K "$W/ro2/ring" "$S/news-2.qasid"
	t_grep ": OK .* key $k2 (news)" "$OUT"
	t_grep "^qasid: note: the publisher rotated from key $k1 to key $k2" \
	    "$ERR"
	t_grep "^qasid: $W/ro2/ring: Permission denied\$" "$ERR"
	t_lines 2 "$ERR"
	t_same "$W/ro2.before" "$W/ro2/ring"
	t_absent "$W/ro/ring.lock"
	chmod 0755 "$W/ro" "$W/ro2"
	t_end
else
	t_skip "$T_NAME" "file permissions cannot be made to apply"
fi
