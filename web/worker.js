// SPDX-License-Identifier: ISC
// worker.js - verify.html's worker: feeds the qasid reader, compiled to
// WebAssembly (src/web/web.c), the bundle's bytes slice by slice and
// passes its verdict on. Nothing here checks anything: the reader does.
//
// The kit build puts the compiled reader (QasidModule) before this file.
// In a worker it answers the page:
//   page -> worker  {cmd:"verify", id, file: Blob|null, url: string|null,
//                    key: string}
//   worker -> page  {type:"progress", id, done, total}
//                   {type:"result", id, ok, reason, title, publisher:
//                    {keyid, fingerprint}, series, sequence, created,
//                    format, files: [{path, size}]}
//   page -> worker  {cmd:"extract", id, path}   (after an ok result)
//   worker -> page  {type:"file", id, path, blob} or {type:"error", id,
//                    reason}
// Under node (the tests) it exports qasidLoad, qasidVerify and
// qasidExtract, which take any source of bytes.
"use strict";

var QASID_SLICE = 4 << 20;

var qasidModule = null;

// The compiled reader, instantiated once.
function qasidLoad() {
	if (!qasidModule)
		qasidModule = QasidModule();
	return qasidModule;
}

// One run of the reader over src ({size, read(pos, n) -> Uint8Array or
// null}); hooks get what the reader says besides its return code.
function qasidRun(M, src, hooks, fn) {
	var pos = 0;
	M.qasid = {
		rewind: function () { pos = 0; },
		pull: function (cap) {
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
		return fn();
	} finally {
		M.qasid = null;
	}
}

function reasonOf(M) {
	return M.UTF8ToString(M._qweb_reason());
}

// Verifies src against key (a public-key file's text or a key string);
// name is what messages call the bundle.
function qasidVerify(M, src, key, name, onProgress) {
	var res = { ok: false, reason: "", title: "", publisher:
	    { keyid: "", fingerprint: "" }, series: "", sequence: 0,
	    created: 0, format: 0, files: [] };
	var files = [];
	var rc = qasidRun(M, src, {
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
	}, function () {
		return M.ccall("qweb_verify", "number",
		    ["string", "string", "number"], [key, name, src.size]);
	});
	res.ok = rc === 0;
	res.reason = res.ok ? "" : reasonOf(M);
	if (res.ok)
		res.files = files;
	return res;
}

// The bytes of one file of src, verified with the whole bundle: sink(u)
// gets each piece (a copy) as it is read, and the caller keeps them only
// if the result is ok.
function qasidExtract(M, src, key, name, path, sink) {
	var rc = qasidRun(M, src, {
		data: function (u) {
			return sink(u.slice()) === false;
		}
	}, function () {
		return M.ccall("qweb_extract", "number",
		    ["string", "string", "number", "string"],
		    [key, name, src.size, path]);
	});
	return { ok: rc === 0, reason: rc === 0 ? "" : reasonOf(M) };
}

// A Blob read in slices: what the reader holds of a 4 GiB bundle is one
// slice, not the bundle.
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

var held = null; // {blob, key, name} of the bundle that verified

function post(m) {
	self.postMessage(m);
}

function failed(id, reason) {
	post({ type: "result", id: id, ok: false, reason: reason, title: "",
	    publisher: { keyid: "", fingerprint: "" }, series: "",
	    sequence: 0, created: 0, format: 0, files: [] });
}

// The bundle a mirror serves beside the page; Chrome keeps a large
// response's Blob on disk, not in memory.
async function fetched(url) {
	var r = await fetch(url, { cache: "no-store" });
	if (!r.ok)
		throw new Error(url + ": " + r.status + " " + r.statusText);
	return r.blob();
}

async function doVerify(m) {
	var blob = m.file, name = "bundle";
	held = null;
	try {
		if (!blob && m.url)
			blob = await fetched(m.url);
	} catch (e) {
		return failed(m.id, "could not read the bundle: " + e.message);
	}
	if (!blob)
		return failed(m.id, "no bundle given");
	if (m.file && m.file.name)
		name = m.file.name;
	else if (m.url)
		name = decodeURIComponent(new URL(m.url).pathname.split("/")
		    .pop()) || name;
	var M = await qasidLoad(), last = -1;
	var res = qasidVerify(M, blobSource(blob), m.key || "", name,
	    function (done, total) {
		// About two hundred steps for the bar, however large.
		var step = Math.floor(done * 200 / (total || 1));
		if (step !== last || done === total) {
			last = step;
			post({ type: "progress", id: m.id, done: done,
			    total: total });
		}
		return false;
	});
	res.type = "result";
	res.id = m.id;
	if (res.ok)
		held = { blob: blob, key: m.key || "", name: name };
	post(res);
}

async function doExtract(m) {
	if (!held)
		return post({ type: "error", id: m.id, reason: "the bundle " +
		    "has not verified: nothing is given out" });
	var M = await qasidLoad(), parts = [], pending = [], size = 0;
	var res = qasidExtract(M, blobSource(held.blob), held.key, held.name,
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
		return post({ type: "error", id: m.id, reason: res.reason });
	parts.push(new Blob(pending));
	post({ type: "file", id: m.id, path: m.path, blob: new Blob(parts,
	    { type: "application/octet-stream" }) });
}

if (typeof module === "object" && module.exports) {
	module.exports = { qasidLoad: qasidLoad, qasidVerify: qasidVerify,
	    qasidExtract: qasidExtract, QasidModule: QasidModule };
} else if (typeof self === "object" && typeof postMessage === "function") {
	// One command at a time, in the order the page sent them.
	var queue = Promise.resolve();
	self.onmessage = function (e) {
		var m = e.data || {};
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
