# SPDX-License-Identifier: ISC
# kit-webui.mk - verify.html against the native reader (bench/web.sh).
#
#   make bench-web     times the kit's verify.html in headless Chromium and
#                      qasid verify on one 512 MiB bundle, medians side by
#                      side; BENCH_WEB_MIB, BENCH_WEB_ROUNDS, and
#                      BENCH_WEB_OTHER: another verify.html to time in
#                      the same rounds (an older build, to compare)
#
# make bench runs it too where Chromium and emscripten are installed.

KIT              ?= build-kit
BENCH_WEB_MIB    ?= 512
BENCH_WEB_ROUNDS ?= 5

.PHONY: bench-web

bench-web: all kit-web
	@BENCH_WEB_MIB='$(BENCH_WEB_MIB)' BENCH_WEB_ROUNDS='$(BENCH_WEB_ROUNDS)' \
	    sh bench/web.sh $(B)/qasid $(KIT)/verify.html $(BENCH_WEB_OTHER)

ifneq ($(shell command -v chromium 2>/dev/null),)
ifneq ($(shell command -v emcc 2>/dev/null),)
bench: bench-web
endif
endif
