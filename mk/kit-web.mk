# SPDX-License-Identifier: ISC
# kit-web.mk - verify.html: the library's reader compiled to WebAssembly
# with Debian's emscripten, in one page that needs nothing else.
#
#   make kit-web       $(KIT)/verify.html
#   make web-reader    $(WB)/worker.js only: the worker's code with the
#                      reader inside (tests/kit/t-web-node.sh runs it)
#
# zlib, libsodium and libarchive are built for wasm32 from Debian's
# sources by tools/kit/build-deps.sh (target/wasm.sh), not taken from
# emscripten's ports, which need the network. The reader runs on the
# worker's one thread (QASID_NO_THREADS); src/web/web.c is its entry
# point and web/worker.js the JavaScript that feeds it bytes. The page
# (web/page.html) has "@inline" comments where page.css, page.js and the
# worker go.

KIT       ?= build-kit
WB        ?= build-web
EMCC      ?= emcc
WEB_OPT   ?= -O3 -msimd128 -mbulk-memory
# emcc runs node scripts that need Debian's node-acorn.
WEB_ENV    = NODE_PATH=/usr/share/nodejs$${NODE_PATH:+:$$NODE_PATH}
WEB_SRC    = $(STATIC_LIB_SRC) src/web/web.c
WEB_OBJ    = $(WEB_SRC:src/%.c=$(WB)/%.o)
WEB_CFLAGS = -std=c11 -D_GNU_SOURCE -DQASID_NO_THREADS $(WEB_OPT) $(WARN) \
             -Iinclude $(addprefix -Isrc/,$(LAYERS))
WEB_EXPORTS = _qweb_verify,_qweb_extract,_qweb_reason
WEB_LDFLAGS = $(WEB_OPT) -sMODULARIZE=1 -sEXPORT_NAME=QasidModule \
             -sSINGLE_FILE=1 -sENVIRONMENT=worker,node $(WEB_ASYNC) \
             -sALLOW_MEMORY_GROWTH=1 -sEXPORTED_FUNCTIONS=$(WEB_EXPORTS) \
             -sEXPORTED_RUNTIME_METHODS=ccall,UTF8ToString
# web_pull may wait for a stream (src/web/web.c): Asyncify lets the reader's
# stack unwind there and resume when the bytes have come. It instruments
# only what can reach web_pull, and the slices are 4 MiB: docs/KIT.md
# gives what it costs.
WEB_ASYNC  = -sASYNCIFY=1 -sASYNCIFY_IMPORTS=web_pull \
             -sASYNCIFY_STACK_SIZE=65536
WEB_PAGE   = web/page.html web/page.css web/page.js

.PHONY: kit-web web-reader
KIT_PARTS += kit-web

kit-web: $(KIT)/verify.html
web-reader: $(WB)/worker.js

# The libraries' prefix, built once and cached outside the tree.
$(WB)/deps: tools/kit/build-deps.sh tools/kit/target/wasm.sh
	@mkdir -p $(WB)
	sh tools/kit/build-deps.sh wasm > $@.tmp && mv $@.tmp $@

$(WB)/%.o: src/%.c include/qasid.h $(SRC_H) $(WB)/deps
	@mkdir -p $(@D)
	$(WEB_ENV) $(EMCC) $(WEB_CFLAGS) -I"$$(cat $(WB)/deps)/include" \
	    -c -o $@ $<

$(WB)/qasid-web.js: $(WEB_OBJ)
	$(WEB_ENV) $(EMCC) $(WEB_LDFLAGS) -o $@ $(WEB_OBJ) \
	    -L"$$(cat $(WB)/deps)/lib" -larchive -lsodium -lexif -lz

# The reader first, then the code that drives it. The worker goes inside
# a <script> element of the page, which must not end early.
$(WB)/worker.js: $(WB)/qasid-web.js web/worker.js
	cat $(WB)/qasid-web.js web/worker.js > $@.tmp
	@if grep -qi '</script\|<!--' $@.tmp; then \
	    echo "kit-web: the worker's code holds </script or <!--" >&2; \
	    rm -f $@.tmp; exit 1; fi
	mv $@.tmp $@

$(KIT)/verify.html: $(WEB_PAGE) $(WB)/worker.js
	@mkdir -p $(KIT)
	awk -v css=web/page.css -v js=web/page.js -v w=$(WB)/worker.js \
	    '/\/\* @inline page\.css \*\//  { while ((getline l < css) > 0) print l; next } \
	     /\/\* @inline page\.js \*\//   { while ((getline l < js) > 0) print l; next } \
	     /\/\* @inline worker \*\//     { while ((getline l < w) > 0) print l; next } \
	     { print }' web/page.html > $@.tmp
	@for m in page.css page.js worker; do \
	    grep -q "@inline $$m \*/" $@.tmp && { echo "kit-web: $$m not inlined" >&2; \
	    rm -f $@.tmp; exit 1; }; done; true
	mv $@.tmp $@
