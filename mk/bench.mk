# SPDX-License-Identifier: ISC
# bench.mk - make bench: qasid against tar, pigz and minisign (bench/run.sh).
#
#   make bench                          512 MiB mixed corpus, 5 rounds
#   make bench BENCH_ROUNDS=3 BENCH_BIG_MIB=4096
#
# BENCH_MIB      size of the mixed corpus in MiB
# BENCH_ROUNDS   rounds, the contenders alternating within each
# BENCH_SCALE    file counts of the small-file scale test ("" skips it)
# BENCH_BIG_MIB  a corpus this big is packed, verified and unpacked once for
#                peak memory (0: off; 4096 for 4 GiB)
# BENCH_PROFILE  1 profiles qasid with perf (callgrind where perf cannot run)
# BENCH_COLD     1 drops the page cache before each timed command (root)
# Corpora are cached in bench/corpus/; results go to bench/RESULTS.md, with
# protect (10%) and repair of the main bundle's damaged copy at the end.
#
#   make bench-keyring [BENCH_BEFORE=path/to/older/qasid]
# times trust list, verify and trust add with a 50,000-key keyring alone
# (bench/keyring.sh), beside an older build if given.

BENCH_MIB     ?= 512
BENCH_ROUNDS  ?= 5
BENCH_SCALE   ?= 2000 20000
BENCH_BIG_MIB ?= 0
BENCH_KEEP_BIG ?= 0
BENCH_PROFILE ?= 1
BENCH_COLD    ?= 0

bench: deps
	@$(MAKE) --no-print-directory all
	@BENCH_MIB='$(BENCH_MIB)' BENCH_ROUNDS='$(BENCH_ROUNDS)' \
	    BENCH_SCALE='$(BENCH_SCALE)' BENCH_BIG_MIB='$(BENCH_BIG_MIB)' \
	    BENCH_KEEP_BIG='$(BENCH_KEEP_BIG)' BENCH_PROFILE='$(BENCH_PROFILE)' \
	    BENCH_COLD='$(BENCH_COLD)' sh bench/run.sh $(B)/qasid
	@sh bench/update.sh $(B)/qasid bench/work

# make bench-update: updates in place and first unpacks of 20,000 small
# files against tar (bench/update.sh); BENCH_UPDATE_MIB, BENCH_SMALL.
bench-update: deps
	@$(MAKE) --no-print-directory all
	@sh bench/update.sh $(B)/qasid bench/work

BENCH_BEFORE ?=

bench-keyring: deps
	@$(MAKE) --no-print-directory all
	@rm -f bench/work/keyring.tsv
	@mkdir -p bench/work
	@sh bench/keyring.sh $(B)/qasid '$(BENCH_BEFORE)' bench/work && \
	    python3 bench/summarize --keyring bench/work

# make bench-mirror [BENCH_BEFORE=path/to/older/qasid]: qasid catalog of
# 1,000 bundles and qasid copy against cp + sync + verify (bench/mirror.sh),
# the older build's copy in the same run; BENCH_CATALOG, BENCH_MIRROR_MIB.
bench-mirror: deps
	@$(MAKE) --no-print-directory all
	@sh bench/mirror.sh $(B)/qasid bench/work $(BENCH_BEFORE)

# make bench-recovery [BENCH_BEFORE=path/to/older/qasid]: protect and repair
# in MB/s with hyperfine (bench/recovery.sh); BENCH_REC_MIB, BENCH_REC_RUNS.
bench-recovery: deps
	@$(MAKE) --no-print-directory all
	@sh bench/recovery.sh $(B)/qasid '$(BENCH_BEFORE)'
