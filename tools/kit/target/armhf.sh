# SPDX-License-Identifier: ISC
# armhf.sh - 32-bit ARM Linux (ARMv7, hard float), static, on musl
# (build-deps.sh). musl, not glibc: see docs/KIT.md (Android's seccomp filter).
# ISA-L has no 32-bit ARM assembly; its portable C builds and recovery
# files work, only more slowly than on aarch64 or x86_64.
HOST=arm-linux-gnueabihf
WITH_ISAL=1
target_setup() {
	musl_prefix "$HOST"
}
