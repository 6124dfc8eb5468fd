// SPDX-License-Identifier: ISC
// worker.js - verify.html's worker: feeds the qasid reader, compiled to
// WebAssembly (src/web/web.c), the bundle's bytes slice by slice and
// passes its verdict on. Nothing here checks anything: the reader does.
//
// The reader pulls each 4 MiB slice through Module.qasid.pull. The page
// reads the bundle, a picked file or a linked bundle's download, on its
// own thread while this one computes, and hands it over in a few buffers
// (pumpReader below); where the page cannot read a picked file as a
// stream, this worker reads it in slices (blobSource). A pull
// is then a promise, and the reader's stack waits unwound (Asyncify,
// mk/kit-web.mk) while this worker's event loop takes the bytes in. No
// slice is a fresh ArrayBuffer, so memory stays what it is for a small
// bundle, however large the bundle; and nothing of it is kept after the
// verdict: a save reads the file or downloads the bundle again, and
// verifies it all again.
//
// The kit build puts the compiled reader (QasidModule) before this file.
// In a worker it answers the page:
//   page -> worker  {cmd:"verify", id, file: Blob|null, url: string|null,
//                    key: string, pump: bool}  (pump: the page reads file)
//   worker -> page  {type:"progress", id, done, total}
//                   {type:"result", id, ok, reason, title, publisher:
//                    {keyid, fingerprint}, series, sequence, created,
//                    format, files: [{path, size}]}
//   page -> worker  {cmd:"extract", id, path}   (after an ok result)
//   worker -> page  {type:"file", id, path, blob} or {type:"error", id,
//                    reason}
// and the messages of the bundle's bytes, read by the page (see pumpReader).
// Under node (the tests) it exports qasidLoad, qasidVerify, qasidExtract
// (which take any source of bytes and give promises) and qasidBlobStream.
"use strict";

var QASID_SLICE = 4 << 20;

var qasidModule = null;

// The compiled reader, instantiated once.
function qasidLoad() {
	if (!qasidModule)
		qasidModule = QasidModule();
	return qasidModule;
}

// One run of the reader over src, a source of bytes: either {size,
// read(pos, n) -> Uint8Array or null} read synchronously (node's files in
// the tests, FileReaderSync where a Blob has no stream), or {size, open()
// -> a reader} read as a stream, from its start again at each rewind: a
// reader's read(cap, into) gives a promise of up to cap bytes, fewer only
// at the end, copied into into() where it can (pumpReader), and cancel()
// stops it. size is -1 when not known (a download without its length). hooks
// get what the reader says besides its return code; fn(async) calls it.
// A promise of fn's result.
async function qasidRun(M, src, hooks, fn) {
	var pos = 0, cur = null;
	M.qasid = {
		async: !!src.open,
		rewind: function () {
			pos = 0;
			if (cur)
				cur.cancel();
			cur = null;
		},
		pull: function (cap, into) {
			if (src.open) {
				if (!cur)
					cur = src.open();
				return cur.read(cap, into);
			}
			var n = Math.min(cap, src.size - pos);
			if (n <= 0)
				return new Uint8Array(0);
			var u = src.read(pos, n);
			if (u !== null)
				pos += u.length;
			return u;
		},
		progress: function (done, total) {
			return hooks.progress ? hooks.progress(done, total) : false;
		},
		entry: function (path, size) {
			if (hooks.entry)
				hooks.entry(path, size);
		},
		info: function (i) {
			if (hooks.info)
				hooks.info(i);
		},
		data: function (u) {
			return hooks.data ? hooks.data(u) : true;
		}
	};
	try {
		return await fn(!!src.open);
	} finally {
		if (cur)
			cur.cancel();
		M.qasid = null;
	}
}

function reasonOf(M) {
	return M.UTF8ToString(M._qweb_reason());
}

// Verifies src against key (a public-key file's text or a key string);
// name is what messages call the bundle. A promise of the result.
async function qasidVerify(M, src, key, name, onProgress) {
	var res = { ok: false, reason: "", title: "", publisher:
	    { keyid: "", fingerprint: "" }, series: "", sequence: 0,
	    created: 0, format: 0, files: [] };
	var files = [];
	var rc = await qasidRun(M, src, {
		progress: onProgress,
		entry: function (path, size) {
			files.push({ path: path, size: size });
		},
		info: function (i) {
			res.title = i.title;
			res.publisher = { keyid: i.keyid,
			    fingerprint: i.fingerprint };
			res.series = i.series;
			res.sequence = i.sequence;
			res.created = i.created;
			res.format = i.format;
		}
	}, function (async) {
		return M.ccall("qweb_verify", "number",
		    ["string", "string", "number"], [key, name, src.size],
		    { async: async });
	});
	res.ok = rc === 0;
	res.reason = res.ok ? "" : reasonOf(M);
	if (res.ok)
		res.files = files;
	return res;
}

// The bytes of one file of src, verified with the whole bundle: sink(u)
// gets each piece (a copy) as it is read, and the caller keeps them only
// if the result is ok. A promise of {ok, reason}.
async function qasidExtract(M, src, key, name, path, sink) {
	var rc = await qasidRun(M, src, {
		data: function (u) {
			return sink(u.slice()) === false;
		}
	}, function (async) {
		return M.ccall("qweb_extract", "number",
		    ["string", "string", "number", "string"],
		    [key, name, src.size, path], { async: async });
	});
	return { ok: rc === 0, reason: rc === 0 ? "" : reasonOf(M) };
}

// A reader of a byte stream (from a promise of it) that fills one buffer,
// allocated once and reused: read(cap) gives a promise of up to cap bytes,
// fewer only at the end. Where the stream is a byte stream (a fetch body
// or a Blob's stream in Chromium) it is read with a BYOB reader into that
// buffer, so that reading a 4 GiB bundle allocates nothing per slice and
// leaves the collector nothing to lag behind on; elsewhere its chunks are
// copied in as they come. cancel() stops the stream (a download too).
function streamReader(pstream) {
	var buf = new ArrayBuffer(QASID_SLICE), byob = null, rd = null;
	var left = null, gone = false;

	async function start() {
		var st = await pstream;
		if (gone)
			throw new Error("cancelled");
		try {
			byob = st.getReader({ mode: "byob" });
		} catch (e) {
			rd = st.getReader();
		}
	}
	async function byByob(want) {
		var n = 0;
		while (n < want) {
			var r = await byob.read(new Uint8Array(buf, n, want - n));
			// The buffer comes back, transferred: the same memory.
			buf = r.value ? r.value.buffer : new ArrayBuffer(want);
			if (r.done)
				break;
			n += r.value.byteLength;
		}
		return new Uint8Array(buf, 0, n);
	}
	async function byChunks(want) {
		var out = new Uint8Array(buf), n = 0, k;
		while (n < want) {
			if (!left || left.length === 0) {
				var r = await rd.read();
				if (r.done)
					break;
				left = r.value;
			}
			k = Math.min(left.length, want - n);
			out.set(left.subarray(0, k), n);
			left = left.subarray(k);
			n += k;
		}
		return out.subarray(0, n);
	}
	return {
		read: async function (cap) {
			if (!byob && !rd)
				await start();
			if (cap > buf.byteLength)
				buf = new ArrayBuffer(cap);
			return byob ? byByob(cap) : byChunks(cap);
		},
		cancel: function () {
			gone = true;
			var r = byob || rd;
			if (r)
				r.cancel().catch(function () {});
			else
				Promise.resolve(pstream).then(function (st) {
					return st.cancel();
				}).catch(function () {});
		}
	};
}

// A Blob (a picked file) read as a stream; FileReaderSync slices where a
// Blob has no stream().
function blobStream(blob) {
	if (typeof blob.stream !== "function")
		return blobSource(blob);
	return {
		size: blob.size,
		open: function () {
			return streamReader(Promise.resolve(blob.stream()));
		}
	};
}

// A Blob read in slices, synchronously: what the reader holds of a 4 GiB
// bundle is one slice, not the bundle.
function blobSource(blob) {
	var fr = new FileReaderSync();
	return {
		size: blob.size,
		read: function (pos, n) {
			try {
				return new Uint8Array(fr.readAsArrayBuffer(
				    blob.slice(pos, pos + n)));
			} catch (e) {
				return null;
			}
		}
	};
}

// ---- the worker ----------------------------------------------------------

// The bundle's bytes come from the page, which reads the picked file or
// downloads the linked bundle (page.js, pump) while this worker verifies:
// the worker asks for them, {type:"fetch", id, gen, url} (url null: the
// picked file), and the page answers {cmd:"head", gen, ok, size, reason},
// then {cmd:"bytes", gen, buf, n} with one of a few buffers it owns,
// transferred, and {cmd:"end", gen} or {cmd:"fail", gen, reason}. Each
// buffer goes back as soon as its bytes are copied, {type:"more", gen,
// buf}: the page reads on only into a buffer it has back, so what is in
// flight stays a few MiB, and the reading goes on while the reader
// computes, which a fetch or a stream read in this worker could not (the
// worker does nothing else while the reader runs). {type:"stop", gen}
// ends it early, at a rewind; a rewind, and each save, reads the bundle
// again.
var pumps = 0, pumping = null;

function pumpReader(id, url, src) {
	var gen = ++pumps, q = [], end = false, err = null, wake = null;
	var buf = new ArrayBuffer(QASID_SLICE), head = {};
	head.promise = new Promise(function (ok) { head.ok = ok; });
	function woken() {
		if (wake)
			wake();
		wake = null;
	}
	pumping = { gen: gen, take: function (m) {
		if (m.cmd === "head")
			head.ok(m);
		else if (m.cmd === "bytes")
			q.push({ buf: m.buf, off: 0, n: m.n });
		else if (m.cmd === "end")
			end = true;
		else if (m.cmd === "fail") {
			err = new Error(m.reason);
			head.ok({ ok: false, reason: m.reason });
			if (src)
				src.failed = m.reason;
		}
		woken();
	} };
	post({ type: "fetch", id: id, gen: gen, url: url });
	return {
		head: head.promise,
		// into(), if given, is where to copy them (the reader's own
		// buffer), else they go into one of ours.
		read: async function (cap, into) {
			var out, n = 0, c, k;
			if (!into && cap > buf.byteLength)
				buf = new ArrayBuffer(cap);
			while (n < cap) {
				while (q.length === 0 && !end && !err)
					await new Promise(function (ok) { wake = ok; });
				if (err)
					throw err;
				if (q.length === 0)
					break;
				// A view made at each copy, never kept across a
				// wait.
				out = into ? into() : new Uint8Array(buf);
				c = q[0];
				k = Math.min(c.n - c.off, cap - n);
				out.set(new Uint8Array(c.buf, c.off, k), n);
				c.off += k;
				n += k;
				if (c.off === c.n) {
					q.shift();
					self.postMessage({ type: "more", id: id,
					    gen: gen, buf: c.buf }, [c.buf]);
				}
			}
			return (into ? into() : new Uint8Array(buf)).subarray(0, n);
		},
		cancel: function () {
			if (pumping && pumping.gen === gen)
				pumping = null;
			if (!end && !err)
				post({ type: "stop", id: id, gen: gen });
			end = true;
			woken();
		}
	};
}

// The bundle at url (a mirror serves it beside the page), or the picked
// file where url is null, verified as the page reads it: never held
// whole, here or in the browser's blob store. first is the reading
// already open, if one is; size the length the response said (or the
// file's), or -1. failed says why a reading broke off, if one did: the
// reader then says only that it could not read.
function pumpSource(id, url, size) {
	var src = { size: size, failed: "", first: null };
	src.open = function () {
		var r = src.first || pumpReader(id, url, src);
		src.first = null;
		return r;
	};
	return src;
}

// The reason for a failure, the download's own where it broke off.
function why(src, reason) {
	return src.failed ? "could not read the bundle: " + src.failed : reason;
}


var held = null; // {file | url, size, key, name} of the bundle that verified

function post(m) {
	self.postMessage(m);
}

function failed(id, reason) {
	post({ type: "result", id: id, ok: false, reason: reason, title: "",
	    publisher: { keyid: "", fingerprint: "" }, series: "",
	    sequence: 0, created: 0, format: 0, files: [] });
}

async function doVerify(m) {
	var src = null, name = "bundle", h;
	held = null;
	if (m.file && m.pump) {
		// The page reads the picked file for us, as it downloads.
		src = pumpSource(m.id, null, m.file.size);
	} else if (m.file) {
		src = blobStream(m.file);
	} else if (m.url) {
		src = pumpSource(m.id, m.url, -1);
		src.first = pumpReader(m.id, m.url, src);
		h = await src.first.head;
		if (!h.ok)
			return failed(m.id, "could not read the bundle: " +
			    h.reason);
		src.size = h.size;
	}
	if (!src)
		return failed(m.id, "no bundle given");
	if (m.file && m.file.name)
		name = m.file.name;
	else if (m.url)
		name = decodeURIComponent(new URL(m.url).pathname.split("/")
		    .pop()) || name;
	var M = await qasidLoad(), last = 0;
	var res = await qasidVerify(M, src, m.key || "", name,
	    function (done, total) {
		// Four times a second at most, and at the end: each time
		// costs the page a layout and a paint, and on a device with
		// two processors the reader waits for them (docs/KIT.md).
		var now = Date.now();
		if (now - last >= 250 || done === total) {
			last = now;
			post({ type: "progress", id: m.id, done: done,
			    total: total });
		}
		return false;
	});
	if (!res.ok)
		res.reason = why(src, res.reason);
	res.type = "result";
	res.id = m.id;
	// Only what to read it again from: an extract verifies it all again.
	if (res.ok)
		held = { file: m.file, url: m.url, pump: !!m.pump,
		    size: src.size, key: m.key || "", name: name };
	post(res);
}

async function doExtract(m) {
	if (!held)
		return post({ type: "error", id: m.id, reason: "the bundle " +
		    "has not verified: nothing is given out" });
	var M = await qasidLoad(), parts = [], pending = [], size = 0;
	var src = held.file && !held.pump ? blobStream(held.file) :
	    pumpSource(m.id, held.url, held.size);
	var res = await qasidExtract(M, src, held.key, held.name,
	    m.path, function (u) {
		pending.push(u);
		size += u.length;
		// Folded into a Blob every 64 MiB, which the browser may
		// keep on disk: a large file need not sit in this heap.
		if (size >= 64 << 20) {
			parts.push(new Blob(pending));
			pending = [];
			size = 0;
		}
	});
	if (!res.ok)
		return post({ type: "error", id: m.id,
		    reason: why(src, res.reason) });
	parts.push(new Blob(pending));
	post({ type: "file", id: m.id, path: m.path, blob: new Blob(parts,
	    { type: "application/octet-stream" }) });
}

if (typeof module === "object" && module.exports) {
	module.exports = { qasidLoad: qasidLoad, qasidVerify: qasidVerify,
	    qasidExtract: qasidExtract, qasidBlobStream: blobStream,
	    QasidModule: QasidModule };
} else if (typeof self === "object" && typeof postMessage === "function") {
	// The reader is compiled as soon as the worker starts, before the
	// page has work for it (page.js starts the next worker ahead), and
	// the page told when it is ready. A reader that fails to load says
	// so at the verify that needs it.
	qasidLoad().then(function () {
		self.postMessage({ type: "ready" });
	}, function () {});
	// One command at a time, in the order the page sent them.
	var queue = Promise.resolve();
	self.onmessage = function (e) {
		var m = e.data || {};
		// The page's download, for the reader waiting on it now.
		if (m.cmd === "head" || m.cmd === "bytes" || m.cmd === "end" ||
		    m.cmd === "fail") {
			if (pumping && pumping.gen === m.gen)
				pumping.take(m);
			return;
		}
		queue = queue.then(function () {
			if (m.cmd === "verify")
				return doVerify(m);
			if (m.cmd === "extract")
				return doExtract(m);
		}).catch(function (err) {
			post({ type: m.cmd === "extract" ? "error" : "result",
			    id: m.id, ok: false, reason: "the verifier " +
			    "failed: " + (err && err.message || err),
			    files: [] });
		});
	};
}
