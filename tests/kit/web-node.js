// SPDX-License-Identifier: ISC
// web-node.js - runs verify.html's reader (the worker's code, WebAssembly
// within) under node, as the page's worker runs it, for t-web-node.sh.
// Node has no FileReaderSync: the source reads the file with fs.readSync,
// one slice at a time, as the worker reads a Blob where it has no stream.
// With QASID_WEB_SOURCE=stream the file is a Blob (fs.openAsBlob) read as
// the page's worker reads a picked file: the worker's own stream source,
// each pull a promise the reader waits for; with QASID_WEB_SOURCE=unsized
// its length is not told, as for a download without Content-Length.
//
//   node web-node.js WORKER.js verify BUNDLE KEYFILE|-P KEY
//       prints "OK", then title, keyid, fingerprint, series, sequence,
//       format, maxrss (KiB) and "file PATH SIZE" lines; or "FAILED
//       reason"
//   node web-node.js WORKER.js extract BUNDLE KEYFILE PATH OUT
//       writes OUT only if the bundle verified; prints OK or FAILED
"use strict";
const fs = require("fs");
const path = require("path");

function fileSource(file) {
	const fd = fs.openSync(file, "r");
	return {
		size: fs.fstatSync(fd).size,
		read: function (pos, n) {
			const b = Buffer.allocUnsafe(n);
			const got = fs.readSync(fd, b, 0, n, pos);
			return new Uint8Array(b.buffer, b.byteOffset, got);
		}
	};
}

async function main() {
	const [workerJs, cmd, bundle, keyArg, ...rest] = process.argv.slice(2);
	const w = require(path.resolve(workerJs));
	let key = keyArg;
	if (keyArg === "-P")
		key = rest.shift();
	else
		key = fs.readFileSync(keyArg, "utf8");
	const M = await w.qasidLoad();
	const name = path.basename(bundle);
	// unsized: a stream whose length is not said (a download whose
	// response has no Content-Length), as the page passes it.
	const how = process.env.QASID_WEB_SOURCE || "";
	const source = how === "stream" || how === "unsized" ?
	    async (f) => {
		const src = w.qasidBlobStream(await fs.openAsBlob(f));
		if (how === "unsized")
			src.size = -1;
		return src;
	    } : async (f) => fileSource(f);
	if (cmd === "verify") {
		let calls = 0;
		const r = await w.qasidVerify(M, await source(bundle), key, name,
		    function () { calls++; return false; });
		if (!r.ok) {
			console.log("FAILED " + r.reason);
			return 1;
		}
		console.log("OK");
		console.log("title " + r.title);
		console.log("keyid " + r.publisher.keyid);
		console.log("fingerprint " + r.publisher.fingerprint);
		console.log("series " + r.series);
		console.log("sequence " + r.sequence);
		console.log("created " + r.created);
		console.log("format " + r.format);
		console.log("progress " + (calls > 0 ? "yes" : "no"));
		// Peak resident memory of the whole process, in KiB.
		console.log("maxrss " + process.resourceUsage().maxRSS);
		for (const f of r.files)
			console.log("file " + f.path + " " + f.size);
		return 0;
	}
	if (cmd === "extract") {
		const [want, out] = rest;
		const parts = [];
		const r = await w.qasidExtract(M, await source(bundle), key, name,
		    want, function (u) { parts.push(Buffer.from(u)); });
		if (!r.ok) {
			console.log("FAILED " + r.reason);
			return 1;
		}
		fs.writeFileSync(out, Buffer.concat(parts));
		console.log("OK");
		return 0;
	}
	console.error("web-node.js: unknown command " + cmd);
	return 2;
}

main().then((rc) => { process.exitCode = rc; }, (e) => {
	console.error("web-node.js: " + (e && e.stack || e));
	process.exitCode = 2;
});
