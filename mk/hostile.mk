# SPDX-License-Identifier: ISC
# hostile.mk - the hostile-bundle suite's helper, the fuzz targets' replay
# drivers, and `make fuzz`.
#
#   make test           builds $(HOSTILE_BIN) with the unit tests; the
#                       scripts tests/hostile/t-*.sh and tests/fuzz/t-*.sh
#                       use them
#   make fuzz           builds the libFuzzer targets with clang into
#                       build-fuzz and runs each for FUZZ_SECONDS (60),
#                       starting from tests/fuzz/corpus/TARGET; crashes are
#                       left as build-fuzz/crash-TARGET-*
#   make fuzz FUZZ_TARGETS=unpack FUZZ_SECONDS=600 FUZZ_JOBS=2

FUZZ_TARGETS ?= read unpack manifest leftover sig keyring keyfile meta receipt \
                statement repair
FUZZ_SECONDS ?= 60
FUZZ_JOBS    ?= 1
FUZZ_FLAGS   ?=
FB           ?= build-fuzz

HOSTILE_BIN = $(B)/tests/hostile-helper $(B)/tests/lockdelay.so \
              $(B)/tests/readfail.so $(B)/tests/corruptsync.so \
              $(B)/tests/killat.so \
              $(patsubst %,$(B)/tests/replay-%,read unpack manifest leftover \
              sig keyring keyfile meta statement receipt \
              repair)
FUZZ_COMMON = tests/fuzz/fuzz.h tests/fuzz/fuzz_common.c

# The test target builds $(UNIT_BIN) before it runs the suite.
UNIT_BIN += $(HOSTILE_BIN)

$(B)/tests/hostile-helper: tests/hostile/helper.c $(B)/libqasid.a | $(B)
	$(CC) $(QCFLAGS) $(QLDFLAGS) -o $@ $< $(B)/libqasid.a $(DEPS_LIBS)

# Preloaded into qasid, so built without the sanitizers of the build under
# test: they would have to be loaded first.
$(B)/tests/lockdelay.so: tests/hostile/lockdelay.c tests/hostile/shim.h | $(B)
	$(CC) -shared -fPIC -O2 -Wall -Wextra -o $@ $< -ldl

$(B)/tests/readfail.so: tests/hostile/readfail.c tests/hostile/shim.h | $(B)
	$(CC) -shared -fPIC -O2 -Wall -Wextra -o $@ $< -ldl

$(B)/tests/corruptsync.so: tests/hostile/corruptsync.c tests/hostile/shim.h | $(B)
	$(CC) -shared -fPIC -O2 -Wall -Wextra -o $@ $< -ldl

$(B)/tests/killat.so: tests/hostile/killat.c tests/hostile/shim.h | $(B)
	$(CC) -shared -fPIC -O2 -Wall -Wextra -o $@ $< -ldl

# The same entry points as the fuzz targets, over files, without libFuzzer.
$(B)/tests/replay-%: tests/fuzz/replay.c tests/fuzz/fuzz_%.c $(FUZZ_COMMON) \
    $(B)/libqasid.a | $(B)
	$(CC) $(QCFLAGS) $(QLDFLAGS) -o $@ tests/fuzz/replay.c \
	    tests/fuzz/fuzz_$*.c tests/fuzz/fuzz_common.c $(B)/libqasid.a \
	    $(DEPS_LIBS)

$(B)/fuzz-%: tests/fuzz/fuzz_%.c $(FUZZ_COMMON) $(B)/libqasid.a | $(B)
	$(CC) $(QCFLAGS) -fsanitize=fuzzer $(QLDFLAGS) -o $@ $< \
	    tests/fuzz/fuzz_common.c $(B)/libqasid.a $(DEPS_LIBS)

.PHONY: fuzz-build
fuzz-build: $(patsubst %,$(B)/fuzz-%,$(FUZZ_TARGETS))

FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all

fuzz: deps
	@$(MAKE) --no-print-directory B=$(FB) CC=clang \
	    OPT="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $(FUZZ_SAN)" \
	    LDFLAGS="$(FUZZ_SAN)" FUZZ_TARGETS="$(FUZZ_TARGETS)" fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(FB)/corpus/$$t; \
	    dict=; [ ! -f tests/fuzz/$$t.dict ] || dict=-dict=tests/fuzz/$$t.dict; \
	    echo "fuzz-$$t: $(FUZZ_SECONDS) s x $(FUZZ_JOBS) job(s)"; \
	    $(FB)/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) $$dict \
	        -rss_limit_mb=2048 -timeout=30 -max_len=65536 \
	        $(if $(filter-out 1,$(FUZZ_JOBS)),-fork=$(FUZZ_JOBS)) \
	        -artifact_prefix=$(FB)/crash-$$t- -print_final_stats=1 \
	        $(FUZZ_FLAGS) $(FB)/corpus/$$t tests/fuzz/corpus/$$t; \
	done
