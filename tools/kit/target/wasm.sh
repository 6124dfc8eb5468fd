# SPDX-License-Identifier: ISC
# wasm.sh - WebAssembly for verify.html, through Debian's emscripten
# (build-deps.sh). Single threaded, no assembly; libsodium's flags follow
# its own dist-build/emscripten.sh.
HOST=wasm32-unknown-emscripten
CC=emcc
AR=emar
RANLIB=emranlib
CONF_WRAP=emconfigure
MAKE_WRAP=emmake
WITH_ISAL=0
# -msimd128 lets clang vectorise BLAKE2b and inflate's loops;
# -mbulk-memory makes each memcpy one memory.copy instruction, where
# emscripten's own memcpy copies a byte at a time between unaligned
# buffers (libsodium copies every hashed byte into its block buffer).
# Every browser of the last years runs both.
CFLAGS="-O3 -msimd128 -mbulk-memory"
export CFLAGS
SODIUM_CONF="--disable-asm --without-pthreads --disable-ssp --disable-pie"
# emcc runs node scripts that need acorn: Debian's node-acorn is in
# /usr/share/nodejs, where a node not Debian's own does not look.
NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}
export NODE_PATH
