// SPDX-License-Identifier: ISC
// page.js - verify.html's interface: drives the reader's worker, shows its verdict, saves verified files.
//
// The page itself checks nothing: the qasid reader, compiled to WebAssembly,
// runs in a worker made from the source inlined in the page (the element
// worker-src), and says OK or FAILED. The page moves files and key text to
// it and shows what it says; it reads the bundle, picked or linked as
// ?bundle=NAME, into a few buffers the worker hands back (pump), so that
// the worker verifies it as it comes. Every string from a bundle
// (title, paths, reasons) reaches the page through textContent only: a
// hostile bundle cannot inject markup.
"use strict";

var T = {
en: {
	title: "Verify a bundle",
	intro: "This page checks that a bundle is exactly what its publisher " +
	    "signed. It works offline: nothing leaves this device.",
	step1: "1. The bundle",
	bundle: "Bundle file (.qasid)",
	step2: "2. The publisher's key",
	saved: "A key you trust",
	saved_none: "(none: give a key file or paste the key)",
	keyfile: "Public key file (.pub)",
	keytext: "or paste the key",
	verify: "Verify",
	need_bundle: "Choose a bundle file first.",
	need_key: "Give the publisher's key: a key you trust, a key file, " +
	    "or the key pasted.",
	reading: "Reading the bundle…",
	progress: "%1 of %2 checked",
	ok_reason: "every byte is as the publisher signed it.",
	failed_prefix: "",
	f_title: "Title",
	f_keyid: "Publisher key id",
	f_fp: "Fingerprint",
	f_series: "Series",
	f_seq: "Sequence",
	f_created: "Created",
	fp_advice: "Compare this fingerprint with the one the publisher gave " +
	    "you, in person or by phone. If they differ, the key is not the " +
	    "publisher's.",
	keyname: "Remember this key as",
	remember: "Remember key",
	remembered: "Remembered as: %1",
	files: "Files",
	files_note: "Each file is checked again as it is saved.",
	save: "Save",
	saving: "Checking…",
	save_again: "Save again",
	keys: "Keys you trust",
	keys_none: "None yet. After a bundle verifies, you can remember its " +
	    "publisher's key here.",
	forget: "Forget",
	forget_q: "Forget the key %1?",
	help_h: "What the verdict means",
	help_ok: "OK: every byte of the bundle is as the publisher signed it " +
	    "with this key. It is only as good as the key: trust a key after " +
	    "comparing its fingerprint with the publisher.",
	help_failed: "FAILED: the bundle was changed, damaged, or signed with " +
	    "another key. Do not use its files. Get another copy.",
	no_worker: "This page is incomplete: its verifier is missing. Use " +
	    "verify.html from the qasid kit.",
	from_file: "Opened as a file, this page cannot read a bundle by name: " +
	    "choose the bundle above.",
	not_beside: "the bundle must be a file beside this page",
	cannot_read: "cannot read %1: %2",
	worker_died: "the verifier stopped: %1",
	lang_switch: "اردو"
},
ur: {
	title: "بنڈل کی جانچ",
	intro: "یہ صفحہ جانچتا ہے کہ بنڈل بالکل وہی ہے جس پر اس کے ناشر نے " +
	    "دستخط کیے تھے۔ یہ انٹرنیٹ کے بغیر چلتا ہے: کوئی چیز اس آلے سے " +
	    "باہر نہیں جاتی۔",
	step1: "۱۔ بنڈل",
	bundle: "بنڈل کی فائل (\u2066.qasid\u2069)",
	step2: "۲۔ ناشر کی کلید",
	saved: "وہ کلید جس پر آپ بھروسا کرتے ہیں",
	saved_none: "(کوئی نہیں: کلید کی فائل دیں یا کلید چسپاں کریں)",
	keyfile: "عوامی کلید کی فائل (\u2066.pub\u2069)",
	keytext: "یا کلید یہاں چسپاں کریں",
	verify: "جانچیں",
	need_bundle: "پہلے بنڈل کی فائل چنیں۔",
	need_key: "ناشر کی کلید دیں: بھروسے والی کلید چنیں، کلید کی فائل " +
	    "دیں، یا کلید چسپاں کریں۔",
	reading: "بنڈل پڑھا جا رہا ہے…",
	progress: "%2 میں سے %1 جانچا جا چکا",
	ok_reason: "ہر بائٹ ویسا ہی ہے جیسا ناشر نے دستخط کیا تھا۔",
	failed_prefix: "اس بنڈل پر بھروسا نہ کریں۔",
	f_title: "عنوان",
	f_keyid: "ناشر کی کلید کی شناخت",
	f_fp: "فنگر پرنٹ",
	f_series: "سلسلہ",
	f_seq: "سلسلے میں نمبر",
	f_created: "بنانے کا وقت",
	fp_advice: "یہ فنگر پرنٹ اُس فنگر پرنٹ سے ملائیں جو ناشر نے آپ کو " +
	    "خود یا فون پر بتایا تھا۔ اگر دونوں میں فرق ہو تو یہ کلید ناشر کی " +
	    "نہیں ہے۔",
	keyname: "اس کلید کو اس نام سے یاد رکھیں",
	remember: "کلید یاد رکھیں",
	remembered: "اس نام سے یاد رکھی گئی: %1",
	files: "فائلیں",
	files_note: "ہر فائل محفوظ کرتے وقت دوبارہ جانچی جاتی ہے۔",
	save: "محفوظ کریں",
	saving: "جانچ جاری ہے…",
	save_again: "دوبارہ محفوظ کریں",
	keys: "بھروسے والی کلیدیں",
	keys_none: "ابھی کوئی نہیں۔ جب کوئی بنڈل درست نکلے تو آپ اس کے ناشر " +
	    "کی کلید یہاں یاد رکھ سکتے ہیں۔",
	forget: "ہٹائیں",
	forget_q: "کیا کلید «%1» ہٹا دی جائے؟",
	help_h: "نتیجے کا مطلب",
	help_ok: "OK: بنڈل کا ہر بائٹ ویسا ہی ہے جیسا ناشر نے اس کلید سے " +
	    "دستخط کیا تھا۔ یہ نتیجہ اتنا ہی قابلِ بھروسا ہے جتنی کلید: کسی " +
	    "کلید پر تب بھروسا کریں جب اس کا فنگر پرنٹ ناشر سے ملا لیں۔",
	help_failed: "FAILED: بنڈل بدلا گیا ہے، خراب ہے، یا کسی اور کلید سے " +
	    "دستخط شدہ ہے۔ اس کی فائلیں استعمال نہ کریں۔ کوئی اور نقل حاصل کریں۔",
	no_worker: "یہ صفحہ نامکمل ہے: جانچنے والا حصہ موجود نہیں۔ qasid کٹ " +
	    "والی verify.html استعمال کریں۔",
	from_file: "فائل کے طور پر کھولا گیا یہ صفحہ نام سے بنڈل نہیں پڑھ " +
	    "سکتا: اوپر سے بنڈل چنیں۔",
	not_beside: "بنڈل اسی صفحے کے ساتھ والی فائل ہونا چاہیے",
	cannot_read: "%1 پڑھا نہیں جا سکا: %2",
	worker_died: "جانچنے والا حصہ رک گیا: %1",
	lang_switch: "English"
}
};

var KEYS_ITEM = "qasid.keys";
var LANG_ITEM = "qasid.lang";

var S = {
	lang: "en",
	worker: null,
	id: 0,		// the id of the latest verify; replies to others are old
	ok: false,	// the latest verify said OK: only then are files offered
	key: "",	// the key text it was given
	result: null,
	saving: null,	// {path, button} of the extract running
	queue: [],	// saves asked for while another runs
	spare: null,	// the worker the next verify takes, started ahead
	file: null,	// the picked bundle (a Blob) of the latest verify
	pump: null	// the bundle's bytes on their way to the worker,
			// {gen, ctrl, free, wake}
};

function $(id) { return document.getElementById(id); }

function t(name) {
	var s = T[S.lang][name];
	for (var i = 1; i < arguments.length; i++)
		s = s.split("%" + i).join(String(arguments[i]));
	return s;
}

function show(id, on) { $(id).hidden = !on; }

// Local storage may be refused (private windows, some file:// setups);
// the page then works without remembering.
function store(name, value) {
	try {
		if (value === undefined)
			return window.localStorage.getItem(name);
		window.localStorage.setItem(name, value);
	} catch (e) {
		return null;
	}
	return null;
}

// --- language ---

function pickLang() {
	var q = new URLSearchParams(location.search).get("lang");
	var l = q || store(LANG_ITEM) || navigator.language || "en";
	return /^ur\b/i.test(l) ? "ur" : "en";
}

function applyLang() {
	var root = document.documentElement;
	root.lang = S.lang;
	root.dir = S.lang === "ur" ? "rtl" : "ltr";
	document.title = "qasid: " + t("title");
	var els = document.querySelectorAll("[data-t]");
	for (var i = 0; i < els.length; i++)
		els[i].textContent = t(els[i].getAttribute("data-t"));
	var b = $("lang");
	b.textContent = t("lang_switch");
	b.lang = S.lang === "ur" ? "en" : "ur";
	b.dir = S.lang === "ur" ? "ltr" : "rtl";
	renderSaved();
	renderKeys();
	if (S.result)
		relabelResult();
}

// The verdict and buttons in the new language; the file list, its saved
// links and any extract running stay as they are.
function relabelResult() {
	$("verdict").textContent = verdictText(S.result);
	var b = document.querySelectorAll("#files .save");
	for (var i = 0; i < b.length; i++)
		b[i].textContent = t(b[i].disabled ? "saving" : "save");
	var a = document.querySelectorAll("#files .saved");
	for (i = 0; i < a.length; i++)
		a[i].textContent = t("save_again");
}

function switchLang() {
	S.lang = S.lang === "ur" ? "en" : "ur";
	store(LANG_ITEM, S.lang);
	applyLang();
}

// --- sizes and the progress bar ---

function size(n) {
	var u = ["B", "KiB", "MiB", "GiB", "TiB"], i = 0;
	while (n >= 1024 && i < u.length - 1) {
		n /= 1024;
		i++;
	}
	return (i ? n.toFixed(1) : String(n)) + " " + u[i];
}

function progress(done, total) {
	var p = $("progress");
	if (total > 0) {
		p.max = total;
		p.value = Math.min(done, total);
		$("progress-text").textContent = t("progress", size(done),
		    size(total));
	} else {
		p.removeAttribute("value");
		$("progress-text").textContent = done ? size(done) : t("reading");
	}
}

// --- remembered keys: [{name, key, keyid, fingerprint}] ---

function loadKeys() {
	try {
		var k = JSON.parse(store(KEYS_ITEM) || "[]");
		return Array.isArray(k) ? k.filter(function (x) {
			return x && typeof x.key === "string";
		}) : [];
	} catch (e) {
		return [];
	}
}

function saveKeys(keys) { store(KEYS_ITEM, JSON.stringify(keys)); }

// The key's base64 line, from a .pub file's text or a pasted string: what
// is remembered, and what tells one key from another.
function keyLine(text) {
	var lines = String(text).split(/\r?\n/);
	for (var i = 0; i < lines.length; i++) {
		var l = lines[i].trim();
		if (l && !/^untrusted comment:/i.test(l))
			return l;
	}
	return "";
}

function renderSaved() {
	var sel = $("saved"), keys = loadKeys(), was = sel.value;
	sel.textContent = "";
	sel.appendChild(new Option(t("saved_none"), ""));
	keys.forEach(function (k, i) {
		sel.appendChild(new Option(k.name + " (" + k.keyid + ")",
		    String(i)));
	});
	sel.value = was && was < keys.length ? was : "";
	show("saved-row", keys.length > 0);
	savedChanged();
}

function savedChanged() {
	var k = loadKeys()[$("saved").value];
	$("saved-fp").textContent = k ? k.fingerprint : "";
	show("saved-fp", !!k);
}

function renderKeys() {
	var ul = $("keys-list"), keys = loadKeys();
	ul.textContent = "";
	keys.forEach(function (k, i) {
		var li = document.createElement("li");
		var name = li.appendChild(document.createElement("span"));
		name.className = "name";
		name.dir = "auto";
		name.textContent = k.name + " · " + k.keyid;
		var b = li.appendChild(document.createElement("button"));
		b.type = "button";
		b.textContent = t("forget");
		b.onclick = function () { forgetKey(i); };
		var fp = li.appendChild(document.createElement("span"));
		fp.className = "fp";
		fp.dir = "ltr";
		fp.textContent = k.fingerprint;
		ul.appendChild(li);
	});
	show("keys-none", keys.length === 0);
}

function forgetKey(i) {
	var keys = loadKeys();
	if (!keys[i] || !window.confirm(t("forget_q", keys[i].name)))
		return;
	keys.splice(i, 1);
	saveKeys(keys);
	renderSaved();
	renderKeys();
}

// Offered only after OK: the fingerprint shown is then the one the reader
// computed for the key that verified, and is what the recipient compares.
function rememberKey() {
	var r = S.result, line = keyLine(S.key);
	var name = $("key-name").value.trim() || r.title || r.publisher.keyid;
	var keys = loadKeys().filter(function (k) { return k.key !== line; });
	keys.push({ name: name, key: line, keyid: r.publisher.keyid,
	    fingerprint: r.publisher.fingerprint });
	saveKeys(keys);
	renderSaved();
	renderKeys();
	show("remember", false);
	$("remembered").textContent = t("remembered", name);
	show("remembered", true);
}

function knownKey(text) {
	var line = keyLine(text);
	return loadKeys().some(function (k) { return k.key === line; });
}

// --- the worker ---

// A fresh worker for each verify: starting again stops whatever the last
// one was doing, and the worker keeps the bundle it verified for extracts.
// The next one is started ahead (S.spare), when the page loads and after
// each verdict, so that compiling the reader is done before Verify is
// pressed, not after.
function newWorker() {
	if (S.worker)
		S.worker.terminate();
	S.worker = null;
	pumpStop(S.pump && S.pump.gen);
	S.worker = S.spare || startWorker();
	S.spare = null;
	readerState();
	return S.worker;
}

function startWorker() {
	var src = $("worker-src"), w;
	if (!src || !/\S/.test(src.textContent.replace(/\/\*[^]*?\*\//g, "")))
		return null;
	var url = URL.createObjectURL(new Blob([src.textContent],
	    { type: "text/javascript" }));
	w = new Worker(url);
	URL.revokeObjectURL(url);
	w.onmessage = function (e) {
		var m = e.data || {};
		if (m.type === "ready") {
			w.ready = true;
			readerState();
		} else if (w === S.worker) {
			fromWorker(m);
		}
	};
	w.onerror = function (e) {
		e.preventDefault();
		if (w === S.worker && S.id)
			fail(t("worker_died", e.message || "error"));
	};
	return w;
}

function spareWorker() {
	if (!S.spare)
		S.spare = startWorker();
	readerState();
}

// <html data-reader="ready"> while the worker the next verify takes has
// its reader compiled, "loading" before: scripts that drive the page
// (bench/web.sh) press Verify when it is ready, as a person picking a
// file would.
function readerState() {
	document.documentElement.setAttribute("data-reader",
	    S.spare && S.spare.ready ? "ready" : "loading");
}

function fromWorker(m) {
	if (m.id !== S.id)
		return;
	if (m.type === "fetch")
		pump(m.gen, m.url || S.file);
	else if (m.type === "more")
		pumpMore(m.gen, m.buf);
	else if (m.type === "stop")
		pumpStop(m.gen);
	else if (m.type === "progress")
		progress(m.done, m.total);
	else if (m.type === "result")
		renderResult(m);
	else if (m.type === "file")
		saved(m.path, m.blob);
	else if (m.type === "error")
		workerError(m);
}

// An error before the verdict fails the verify; after it, the extract
// running (the worker does one at a time, and says no path) failed.
function workerError(m) {
	var job = S.saving;
	if (!S.result)
		return fail(m.reason);
	if (!job)
		return;
	S.saving = null;
	job.button.disabled = false;
	job.button.textContent = t("save");
	hint(job.path + ": " + m.reason);
	nextSave();
}

// --- the bundle's bytes, read for the worker ---

// The worker verifies a bundle as it is read: it asks for it (again at
// each rewind and each save), and the page reads it, the picked file or
// the linked bundle's download, into PUMP_BUFS buffers of PUMP_BUF bytes
// that it posts, transferred, and the worker hands back once copied
// (worker.js says the messages). Reading so runs on, on this page's
// thread, while the worker computes on its own, and what is in flight is
// those buffers: a 4 GiB bundle is never held, here, in the worker or as
// a Blob. A byte stream is read straight into them (BYOB), so reading
// allocates nothing per chunk and the collector has nothing to lag on.
var PUMP_BUFS = 8, PUMP_BUF = 1 << 20;

// FROM: the linked bundle's URL, or the picked file (a Blob).
function pump(gen, from) {
	var p = { gen: gen, ctrl: new AbortController(), free: [], wake: null };
	pumpStop(S.pump && S.pump.gen);
	S.pump = p;
	for (var i = 0; i < PUMP_BUFS; i++)
		p.free.push(new ArrayBuffer(PUMP_BUF));
	function send(m, xfer) {
		m.gen = gen;
		if (S.pump === p && S.worker)
			S.worker.postMessage(m, xfer || []);
	}
	var body;
	if (typeof from !== "string") {
		body = Promise.resolve().then(function () {
			send({ cmd: "head", ok: true, size: from.size });
			return pumpBody(p, from.stream(), send);
		});
	} else {
		body = fetch(from, { cache: "no-store",
		    signal: p.ctrl.signal }).then(function (r) {
			if (!r.ok)
				throw new Error(from + ": " + r.status + " " +
				    r.statusText);
			// The length the reader checks a short copy
			// against; not known for an encoded body, whose
			// length is another's.
			var len = r.headers.get("Content-Length");
			var enc = r.headers.get("Content-Encoding");
			send({ cmd: "head", ok: true, size: !enc &&
			    len !== null && /^\d+$/.test(len) ?
			    Number(len) : -1 });
			return pumpBody(p, r.body, send);
		});
	}
	body.then(function () {
		send({ cmd: "end" });
	}, function (e) {
		send({ cmd: "fail", reason: e && e.message || String(e) });
	});
}

// A free buffer, waiting for the worker to hand one back.
function pumpFree(p) {
	if (p.free.length > 0)
		return Promise.resolve(p.free.pop());
	return new Promise(function (ok) { p.wake = ok; });
}

function pumpMore(gen, buf) {
	var p = S.pump;
	if (!p || p.gen !== gen)
		return;
	if (p.wake) {
		var w = p.wake;
		p.wake = null;
		w(buf);
	} else {
		p.free.push(buf);
	}
}

function pumpStop(gen) {
	var p = S.pump;
	if (!p || p.gen !== gen)
		return;
	S.pump = null;
	p.ctrl.abort();
	if (p.wake)
		p.wake(null);
}

// The body into the buffers, each posted full (the last one as far as it
// goes); ends when the body does or the download is stopped.
async function pumpBody(p, body, send) {
	var byob = null, rd = null, left = null;
	try {
		byob = body.getReader({ mode: "byob" });
	} catch (e) {
		rd = body.getReader();
	}
	for (;;) {
		var buf = await pumpFree(p), n = 0, r, k, done = false;
		if (buf === null || S.pump !== p) {
			(byob || rd).cancel().catch(function () {});
			return;
		}
		while (n < buf.byteLength && !done) {
			if (byob) {
				r = await byob.read(new Uint8Array(buf, n));
				buf = r.value ? r.value.buffer : buf;
				done = r.done;
				n += r.value ? r.value.byteLength : 0;
				continue;
			}
			if (!left || left.length === 0) {
				r = await rd.read();
				if ((done = r.done))
					break;
				left = r.value;
			}
			k = Math.min(left.length, buf.byteLength - n);
			new Uint8Array(buf, n, k).set(left.subarray(0, k));
			left = left.subarray(k);
			n += k;
		}
		if (n > 0)
			send({ cmd: "bytes", buf: buf, n: n }, [buf]);
		if (done)
			return;
	}
}

function hint(text) {
	$("hint").textContent = text || "";
	show("hint", !!text);
}

// Verifies FILE (a Blob) or the bundle at URL with KEY (text); FROM is
// where either came from, when it is a URL.
function verify(file, url, key, from) {
	hint("");
	S.id++;
	S.ok = false;
	S.key = key;
	S.result = null;
	S.saving = null;
	S.queue = [];
	S.file = file;
	show("result", false);
	if (!newWorker())
		return fail(t("no_worker"));
	show("work", true);
	progress(0, file ? file.size : 0);
	$("go").disabled = true;
	// A picked file the page can read as a stream it reads for the
	// worker, as a download; where it cannot, the worker reads it.
	S.worker.postMessage({ cmd: "verify", id: S.id, file: file,
	    url: url, key: key, pump: !!file && typeof file.stream ===
	    "function" });
	if (from)
		hold(from);
}

// Headless Chromium's --virtual-time-budget (how tests and scripts check
// a bundle with --dump-dom) stops waiting once the page's own thread is
// idle, however busy its worker is, but waits for a request in flight,
// until its response begins: the bundle's download, waiting for the
// worker to take its bytes, does not count. So in headless Chromium only,
// while the worker verifies, the page keeps one small request for the
// bundle's URL in flight, one after another, and stops at the verdict. A
// browser someone looks at sends none of these. One request kept
// unanswered all along would not do: while virtual time is held without a
// break, the bundle's download makes no progress either (tried: five
// unread downloads of the bundle, taking the browser's other connections
// to the server, and a request queued behind them).
function hold(href) {
	var id = S.id;
	if (!/HeadlessChrome/.test(navigator.userAgent))
		return;
	function again() {
		if (S.id !== id || S.result)
			return;
		var x = new XMLHttpRequest();
		x.open("HEAD", href);
		x.onloadend = again;
		x.send();
	}
	again();
}

// A verdict the reader could not give (no worker, a bundle that could not
// be read) is still a verdict: nothing was verified.
function fail(reason) {
	renderResult({ type: "result", id: S.id, ok: false, reason: reason,
	    files: [] });
}

// --- the verdict ---

function when(v) {
	if (typeof v === "number" && isFinite(v))
		return new Date(v * 1000).toISOString().replace(/\.\d+Z$/, "Z");
	return v == null ? "" : String(v);
}

function verdictText(r) {
	if (r.ok)
		return "OK: " + (S.lang === "en" || !r.reason ?
		    t("ok_reason") : t("ok_reason") + " (" + r.reason + ")");
	var why = r.reason || "unknown error";
	return "FAILED: " + (t("failed_prefix") ?
	    t("failed_prefix") + " " + why : why);
}

function renderResult(r) {
	var p = r.publisher || {};
	S.result = r;
	spareWorker();
	S.ok = r.ok === true;
	$("go").disabled = false;
	show("work", false);
	var v = $("verdict");
	v.className = "verdict " + (S.ok ? "ok" : "failed");
	v.textContent = verdictText(r);
	$("r-title").textContent = r.title || "";
	$("r-keyid").textContent = p.keyid || "";
	$("r-fp").textContent = p.fingerprint || "";
	$("r-series").textContent = r.series || "";
	$("r-seq").textContent = r.sequence ? String(r.sequence) : "";
	$("r-created").textContent = r.created ? when(r.created) : "";
	show("facts", S.ok || !!p.keyid);
	show("fp-advice", S.ok);
	show("remember", S.ok && !!p.fingerprint && !knownKey(S.key));
	show("remembered", false);
	$("key-name").value = r.title || "";
	renderFiles(S.ok ? r.files || [] : []);
	show("result", true);
	if (v.scrollIntoView)
		v.scrollIntoView({ block: "nearest" });
}

// Files are listed, and can be saved, only after the whole bundle
// verified: before that nothing in it is known to be the publisher's.
function renderFiles(files) {
	var ul = $("files");
	ul.textContent = "";
	files.forEach(function (f) {
		var li = ul.appendChild(document.createElement("li"));
		var name = li.appendChild(document.createElement("span"));
		name.className = "path";
		name.dir = "auto";
		name.textContent = f.path;
		var sz = li.appendChild(document.createElement("span"));
		sz.className = "size";
		sz.dir = "ltr";
		sz.textContent = size(f.size || 0);
		var b = li.appendChild(document.createElement("button"));
		b.type = "button";
		b.className = "save";
		b.textContent = t("save");
		b.onclick = function () { askSave(f.path, b); };
	});
	show("files-h", files.length > 0);
	show("files-note", files.length > 0);
}

// --- saving one file ---

function askSave(path, button) {
	if (!S.ok)
		return;
	button.disabled = true;
	button.textContent = t("saving");
	S.queue.push({ path: path, button: button });
	if (!S.saving)
		nextSave();
}

function nextSave() {
	S.saving = S.queue.shift() || null;
	if (S.saving)
		S.worker.postMessage({ cmd: "extract", id: S.id,
		    path: S.saving.path });
}

function saved(path, blob) {
	var job = S.saving;
	if (!job || job.path !== path)
		return;
	S.saving = null;
	var a = document.createElement("a");
	a.href = URL.createObjectURL(blob);
	a.download = path.split("/").pop() || "file";
	a.className = "saved";
	a.textContent = t("save_again");
	job.button.replaceWith(a);
	a.click();
	nextSave();
}

// --- what the recipient gives ---

function readText(file) {
	return new Promise(function (ok, no) {
		var r = new FileReader();
		r.onload = function () { ok(String(r.result)); };
		r.onerror = function () { no(r.error); };
		r.readAsText(file.slice(0, 4096));
	});
}

// The key: a remembered one, else a key file, else the pasted text.
function chosenKey() {
	var k = loadKeys()[$("saved").value];
	if (k)
		return Promise.resolve(k.key);
	var f = $("key-file").files[0];
	if (f)
		return readText(f);
	return Promise.resolve($("key-text").value.trim());
}

function go() {
	var file = $("bundle-file").files[0];
	if (!file)
		return hint(t("need_bundle"));
	chosenKey().then(function (key) {
		if (!key)
			return hint(t("need_key"));
		verify(file, null, key);
	}, function (e) {
		hint(String(e));
	});
}

// verify.html?bundle=NAME&key=KEYSTRING: a mirror's catalogue links here,
// and the bundle is fetched from beside the page. A query string turns
// "+" into a space; a key has no spaces, so they were pluses.
function fromQuery() {
	var q = new URLSearchParams(location.search);
	var name = q.get("bundle"), key = (q.get("key") || "").trim();
	if (!name)
		return;
	key = key.replace(/ /g, "+");
	if (!key) {
		var k = loadKeys();
		key = k.length === 1 ? k[0].key : "";
	}
	var url = new URL(name, location.href);
	if (url.protocol !== location.protocol || url.host !== location.host)
		return fail(t("not_beside"));
	$("bundle-name").textContent = url.pathname.split("/").pop();
	show("bundle-name", true);
	if (!key)
		return hint(t("need_key"));
	if (location.protocol !== "file:")
		return verify(null, url.href, key, url.href);
	localFile(url.href).then(function (blob) {
		verify(blob, null, key, url.href);
	}, function () {
		fail(t("from_file"));
	});
}

// Opened as a file, the worker cannot fetch; a browser that lets the page
// read the files beside it (Chromium with --allow-file-access-from-files)
// hands the bundle over as a Blob instead. Others refuse, and the
// recipient picks the bundle with the file input.
function localFile(href) {
	return new Promise(function (ok, no) {
		var x = new XMLHttpRequest();
		x.open("GET", href);
		x.responseType = "blob";
		x.onload = function () { x.response ? ok(x.response) : no(); };
		x.onerror = no;
		x.send();
	});
}

function init() {
	S.lang = pickLang();
	applyLang();
	$("lang").onclick = switchLang;
	$("go").onclick = go;
	$("saved").onchange = savedChanged;
	$("remember-go").onclick = rememberKey;
	$("bundle-file").onchange = function () { show("bundle-name", false); };
	fromQuery();
	if (!S.worker)
		spareWorker();
}

init();
