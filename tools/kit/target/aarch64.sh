# SPDX-License-Identifier: ISC
# aarch64.sh - 64-bit ARM Linux, static, on musl (build-deps.sh).
# musl, not glibc: see docs/KIT.md for why (Android's seccomp filter).
HOST=aarch64-linux-gnu
WITH_ISAL=1
target_setup() {
	musl_prefix "$HOST"
}
