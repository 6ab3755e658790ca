#!/usr/bin/env node
// http_server.js - lab 08's contract written with Node's http module.
//
// A correct server for the grader's self-tests, on http.createServer():
// Node parses each request head itself (llhttp) and hands the handler a
// parsed request, so the rules about the head's bytes are whatever llhttp
// and the 'clientError' hook make of them. RULES.md lists the checks this
// server cannot pass for that reason; selftest.c grades it on the others.
//
//     node http_server.js PORT DOCROOT
"use strict";

const fs = require("fs");
const http = require("http");
const https = require("https");
const path = require("path");
const zlib = require("zlib");

const BODY_MAX = 1 << 20;
const TARGET_MAX = 8000;
const FIELDS_BYTES = 16384;
const FIELDS_MAX = 100;
const IDLE_MS = 5000;
const SERVER = "socklab-node/1.0";
const TYPES = {
    html: "text/html; charset=utf-8", htm: "text/html; charset=utf-8", css: "text/css",
    js: "text/javascript", json: "application/json", txt: "text/plain; charset=utf-8",
    svg: "image/svg+xml", png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg",
    ico: "image/x-icon",
};
const COMPRESSIBLE = ["text/html", "text/css", "text/javascript", "text/plain",
    "application/json", "image/svg+xml"];
const CLOSING = new Set([400, 408, 411, 413, 414, 431, 505]);
const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

class Fail extends Error {
    constructor(status, close) {
        super(String(status));
        this.status = status;
        this.close = close === undefined ? CLOSING.has(status) : close;
    }
}

// ---- responses ----------------------------------------------------------------

function escapeHtml(s) {
    return s.replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;",
        '"': "&quot;", "'": "&#39;"})[c]);
}

function errorPage(status, shownPath) {
    let text = `${status} ${http.STATUS_CODES[status]}`;
    if (shownPath !== undefined) {
        text += `: ${escapeHtml(shownPath)}`;
    }
    return Buffer.from(`<!DOCTYPE html>\n<html><body><h1>${text}</h1></body></html>\n`);
}

// The response's status and fields (Node adds Date); no Content-Length
// when length is null.
function setHead(res, status, headers, length) {
    res.statusCode = status;
    res.setHeader("Server", SERVER);
    for (const [k, v] of headers) {
        res.setHeader(k, v);
    }
    if (length !== null) {
        res.setHeader("Content-Length", length);
    }
    if (res.socklabClose) {
        res.setHeader("Connection", "close");
    }
}

// Send a whole response; head-only for HEAD (Node drops the body itself).
function send(res, status, headers, body) {
    setHead(res, status, headers, status === 304 ? null : body.length);
    res.end(status === 304 ? undefined : body);
}

function sendError(res, status, shownPath, headers = []) {
    send(res, status, [["Content-Type", "text/html; charset=utf-8"], ...headers],
        errorPage(status, shownPath));
}

function sendJson(res, status, text) {
    send(res, status, [["Content-Type", "application/json"], ["Vary", "Accept-Encoding"]],
        Buffer.from(text));
}

// An error answered on the raw socket, for a head Node's parser refused.
function rawError(socket, status) {
    const page = errorPage(status);
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n` +
        `Date: ${new Date().toUTCString()}\r\nServer: ${SERVER}\r\n` +
        "Content-Type: text/html; charset=utf-8\r\n" +
        `Content-Length: ${page.length}\r\nConnection: close\r\n\r\n${page}`);
}

// ---- the head: what llhttp leaves to the handler --------------------------------

function fieldsOf(req, name) {
    const out = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
        if (req.rawHeaders[i].toLowerCase() === name) {
            out.push(req.rawHeaders[i + 1]);
        }
    }
    return out;
}

function checkHead(req) {
    if (req.httpVersionMajor !== 1) {
        throw new Fail(505); // llhttp takes HTTP/2.0 as a version it knows
    }
    if (req.url.length > TARGET_MAX) {
        throw new Fail(414);
    }
    if (!req.url.startsWith("/")) {
        throw new Fail(400);
    }
    let bytes = 0;
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
        bytes += Buffer.byteLength(req.rawHeaders[i], "latin1") + 2 +
            Buffer.byteLength(req.rawHeaders[i + 1], "latin1") + 2;
    }
    if (bytes > FIELDS_BYTES || req.rawHeaders.length / 2 > FIELDS_MAX) {
        throw new Fail(431);
    }
    const hosts = fieldsOf(req, "host");
    if (hosts.length > 1 || (req.httpVersionMinor === 1 && hosts.length !== 1)) {
        throw new Fail(400);
    }
}

function wantsClose(req) {
    const tokens = fieldsOf(req, "connection").join(",").toLowerCase().split(",")
        .map((t) => t.trim());
    return req.httpVersionMinor === 0 ? !tokens.includes("keep-alive") : tokens.includes("close");
}

// The body, read as llhttp frames it; Content-Length and Transfer-Encoding
// checked first, as far as llhttp lets them through.
function readBody(req) {
    const te = fieldsOf(req, "transfer-encoding");
    const cl = fieldsOf(req, "content-length");
    if (te.length > 0 && (cl.length > 0 || req.httpVersionMinor === 0)) {
        return Promise.reject(new Fail(400));
    }
    if (te.length > 0 && te.join(",").trim().toLowerCase() !== "chunked") {
        return Promise.reject(new Fail(501));
    }
    if (cl.length > 1 || (cl.length === 1 && !/^[0-9]+$/.test(cl[0]))) {
        return Promise.reject(new Fail(400));
    }
    if (cl.length === 1 && BigInt(cl[0]) > BigInt(BODY_MAX)) {
        return Promise.reject(new Fail(BigInt(cl[0]) >= 1n << 63n ? 400 : 413));
    }
    if (req.method === "POST" && te.length === 0 && cl.length === 0) {
        return Promise.reject(new Fail(411));
    }
    return new Promise((resolve, reject) => {
        const parts = [];
        let size = 0;
        req.on("data", (chunk) => {
            size += chunk.length;
            if (size > BODY_MAX) {
                req.removeAllListeners("data");
                reject(new Fail(413));
                return;
            }
            parts.push(chunk);
        });
        req.on("end", () => resolve(Buffer.concat(parts)));
        req.on("error", () => reject(new Fail(400)));
    });
}

// ---- the API --------------------------------------------------------------------

function percentDecode(s, plus) {
    const out = [];
    const raw = Buffer.from(s, "latin1");
    for (let i = 0; i < raw.length; i++) {
        if (raw[i] === 0x25) {
            const hex = raw.subarray(i + 1, i + 3).toString("latin1");
            if (!/^[0-9A-Fa-f]{2}$/.test(hex)) {
                return null;
            }
            out.push(parseInt(hex, 16));
            i += 2;
        } else {
            out.push(plus && raw[i] === 0x2b ? 0x20 : raw[i]);
        }
    }
    return Buffer.from(out);
}

function utf8(buf) {
    try {
        return new TextDecoder("utf-8", {fatal: true}).decode(buf);
    } catch (e) {
        throw new Fail(400, false);
    }
}

function apiData(res, query) {
    let name = null;
    for (const part of query ? query.split("&") : []) {
        const eq = part.indexOf("=");
        const k = percentDecode(eq < 0 ? part : part.slice(0, eq), true);
        const v = percentDecode(eq < 0 ? "" : part.slice(eq + 1), true);
        if (k === null || v === null) {
            throw new Fail(400, false);
        }
        if (k.toString("latin1") === "name" && name === null) {
            name = v;
        }
    }
    const who = name === null ? "Guest" : utf8(name);
    sendJson(res, 200, JSON.stringify({message: `Hello, ${who}!`}));
}

function api(req, res, p, query, body) {
    const user = /^\/api\/users\/([0-9]{1,18})$/.exec(p);
    const allow = {"/api": "GET, HEAD", "/api/data": "GET, HEAD", "/api/submit": "POST",
        "/api/users": "POST"}[p] || (user ? "GET, HEAD" : null);
    if (allow === null) {
        return sendError(res, 404, p);
    }
    if (!allow.split(", ").includes(req.method)) {
        return sendError(res, 405, undefined, [["Allow", allow]]);
    }
    if (p === "/api") {
        return sendJson(res, 200, JSON.stringify({message: "Hello from API"}));
    }
    if (p === "/api/data") {
        return apiData(res, query);
    }
    if (user) {
        // 18 digits do not fit a double: the number is written from a BigInt.
        const n = BigInt(user[1]);
        return sendJson(res, 200, `{"user_id": ${n}, "name": "User ${n}"}`);
    }
    const text = utf8(body);
    if (p === "/api/submit") {
        return sendJson(res, 200, JSON.stringify({received: text}));
    }
    let value;
    try {
        value = JSON.parse(text);
    } catch (e) {
        throw new Fail(400, false);
    }
    return sendJson(res, 201, JSON.stringify({user: value, status: "created"}));
}

// ---- static files ---------------------------------------------------------------

const IMF = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d\d) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d\d):(\d\d):(\d\d) GMT$/;
const MONTHS = "JanFebMarAprMayJunJulAugSepOctNovDec";

// Seconds since the epoch of an IMF-fixdate, or null.
function imfDate(s) {
    const m = IMF.exec(s);
    if (!m) {
        return null;
    }
    const [d, mon, y, hh, mm, ss] = [+m[2], MONTHS.indexOf(m[3]) / 3, +m[4], +m[5], +m[6], +m[7]];
    const t = Date.UTC(y, mon, d, hh, mm, ss);
    const back = new Date(t);
    if (back.getUTCDate() !== d || back.getUTCHours() !== hh || back.getUTCMinutes() !== mm ||
        back.getUTCSeconds() !== ss) {
        return null; // hour 99, 31 February
    }
    return t / 1000;
}

function parseRange(value, size) {
    const m = /^bytes=(?:(\d+)-(\d*)|-(\d+))$/.exec(value);
    if (!m) {
        return null;
    }
    if (m[3] !== undefined) {
        const n = Number(m[3]);
        return n === 0 || size === 0 ? "unsatisfiable" : [Math.max(0, size - n), size - 1];
    }
    const a = Number(m[1]);
    const b = m[2] !== "" ? Number(m[2]) : Math.max(a, size - 1);
    if (b < a) {
        return null;
    }
    return a >= size ? "unsatisfiable" : [a, Math.min(b, size - 1)];
}

function gzipAllowed(value) {
    const q = {};
    for (const item of value.split(",")) {
        const [coding, ...params] = item.split(";");
        let weight = 1;
        for (const p of params) {
            const m = /^\s*q=([0-9.]+)\s*$/i.exec(p);
            if (m) {
                weight = Number(m[1]) || 0;
            }
        }
        if (coding.trim()) {
            q[coding.trim().toLowerCase()] = weight;
        }
    }
    for (const name of ["gzip", "x-gzip"]) {
        if (name in q) {
            return q[name] > 0;
        }
    }
    return (q["*"] || 0) > 0;
}

// The real path of a target's file under root, or a Fail.
function resolve(root, p) {
    const raw = percentDecode(p, false);
    if (raw === null || raw.includes(0) || /%2f/i.test(p)) {
        throw new Fail(400, false);
    }
    const segs = raw.toString("latin1").split("/");
    if (segs.some((s) => s === "." || s === "..")) {
        throw new Fail(400, false);
    }
    const joined = path.join(root, ...segs.filter((s) => s !== ""));
    let real;
    try {
        real = fs.realpathSync(Buffer.from(joined, "latin1")).toString("latin1");
    } catch (e) {
        throw new Fail(404, false);
    }
    if (real !== root && !real.startsWith(root + "/")) {
        throw new Fail(404, false);
    }
    return real;
}

function serveFile(req, res, fd, name, st) {
    const base = path.basename(name);
    const ext = base.includes(".") ? base.slice(base.lastIndexOf(".") + 1).toLowerCase() : "";
    const type = TYPES[ext] || "application/octet-stream";
    const size = st.size;
    const mtime = Math.floor(st.mtimeMs / 1000);
    const headers = [["Content-Type", type], ["Last-Modified", new Date(mtime * 1000).toUTCString()],
        ["Accept-Ranges", "bytes"]];
    const squeeze = COMPRESSIBLE.includes(type.split(";")[0]);
    if (squeeze) {
        headers.push(["Vary", "Accept-Encoding"]);
    }
    const ims = req.headers["if-modified-since"];
    const since = ims !== undefined ? imfDate(ims) : null;
    if (since !== null && since >= mtime) {
        fs.closeSync(fd);
        return send(res, 304, headers, Buffer.alloc(0));
    }
    const range = req.method === "GET" && req.headers.range !== undefined
        ? parseRange(req.headers.range, size) : null;
    if (range === "unsatisfiable") {
        fs.closeSync(fd);
        return sendError(res, 416, undefined, [["Content-Range", `bytes */${size}`]]);
    }
    if (range === null && squeeze && gzipAllowed(req.headers["accept-encoding"] || "")) {
        const packed = zlib.gzipSync(fs.readFileSync(fd));
        fs.closeSync(fd);
        return send(res, 200, [...headers, ["Content-Encoding", "gzip"]], packed);
    }
    if (range !== null) {
        headers.push(["Content-Range", `bytes ${range[0]}-${range[1]}/${size}`]);
        return sendBytes(req, res, fd, 206, headers, range);
    }
    return sendBytes(req, res, fd, 200, headers, [0, size - 1]);
}

// Bytes a to b of the file fd (closed here), streamed with backpressure:
// never the whole file in memory.
function sendBytes(req, res, fd, status, headers, [a, b]) {
    setHead(res, status, headers, b - a + 1);
    if (req.method === "HEAD" || b < a) {
        fs.closeSync(fd);
        return res.end();
    }
    fs.createReadStream(null, {fd, start: a, end: b}).pipe(res);
}

function serveStatic(req, res, root, p, query, hasQuery) {
    let real;
    try {
        real = resolve(root, p);
    } catch (e) {
        if (e instanceof Fail && e.status === 404) {
            return sendError(res, 404, p);
        }
        throw e;
    }
    let st = fs.statSync(real);
    if (st.isDirectory()) {
        if (!p.endsWith("/")) {
            const loc = p + "/" + (hasQuery ? "?" + query : "");
            return sendError(res, 301, undefined, [["Location", loc]]);
        }
        real = path.join(real, "index.html");
    } else if (p.endsWith("/")) {
        return sendError(res, 404, p); // a file with a slash after it
    }
    let fd;
    try { // O_NONBLOCK: opening a FIFO must not wait for a writer
        fd = fs.openSync(real, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    } catch (e) {
        return e.code === "EACCES" ? sendError(res, 403) : sendError(res, 404, p);
    }
    st = fs.fstatSync(fd);
    if (!st.isFile() || !fs.realpathSync(real).startsWith(root + "/")) {
        fs.closeSync(fd);
        return sendError(res, 404, p);
    }
    return serveFile(req, res, fd, real, st);
}

// ---- the server -----------------------------------------------------------------

async function handle(root, req, res) {
    res.socklabClose = wantsClose(req);
    try {
        checkHead(req);
        const body = await readBody(req);
        const q = req.url.indexOf("?");
        const p = q < 0 ? req.url : req.url.slice(0, q);
        const query = q < 0 ? "" : req.url.slice(q + 1);
        if (!["GET", "HEAD", "POST"].includes(req.method)) {
            throw new Fail(501, false);
        }
        if (p === "/api" || p.startsWith("/api/")) {
            return api(req, res, p, query, body);
        }
        if (req.method === "POST") {
            return sendError(res, 405, undefined, [["Allow", "GET, HEAD"]]);
        }
        return serveStatic(req, res, root, p, query, q >= 0);
    } catch (e) {
        if (!(e instanceof Fail)) {
            throw e;
        }
        res.socklabClose = res.socklabClose || e.close;
        return sendError(res, e.status);
    }
}

// A head llhttp refused: the contract's status for what the bytes say.
function statusOfParseError(err) {
    const head = (err.rawPacket || Buffer.alloc(0)).toString("latin1");
    const line = head.split(/\r?\n/)[0];
    switch (err.code) {
    case "HPE_HEADER_OVERFLOW":
        return / \S{8001,} /.test(line) ? 414 : 431;
    case "HPE_INVALID_METHOD": {
        const method = line.split(" ")[0];
        return TCHAR.test(method) && / \/\S* HTTP\/\d\.\d$/.test(line) ? 501 : 400;
    }
    case "HPE_INVALID_VERSION":
        return /^HTTP\/[02-9]\.\d$/.test(line.split(" ").pop()) ? 505 : 400;
    case "HPE_INVALID_TRANSFER_ENCODING": // with Content-Length too, or not chunked
        return /\r?\ncontent-length *:/i.test(head) ? 400 : 501;
    case "ERR_HTTP_REQUEST_TIMEOUT":
    case "HPE_HEADER_TIMEOUT":
        return 408;
    default:
        return 400;
    }
}

const USAGE = "usage: http_server.js [--strategy thread|pool] [--threads N] " +
    "[--cert FILE --key FILE [--chain FILE]] PORT DOCROOT " +
    "(PORT 1..65535, N 1..1024, default 16)";

// The command line (a first word http_server, bin/grade's {args}, skipped):
// {strategy, threads, port, root}, or exit 2.
function parseArgs(argv) {
    const args = argv[0] === "http_server" ? argv.slice(1) : argv.slice();
    if (args[0] === "--help" || args[0] === "-h") {
        process.stdout.write(USAGE + "\n");
        process.exit(0);
    }
    const out = {strategy: "thread", threads: 16, tls: {}};
    while (["--strategy", "--threads", "--cert", "--key", "--chain"].includes(args[0])) {
        const [opt, value = ""] = args.splice(0, 2);
        if (["--cert", "--key", "--chain"].includes(opt) && value !== "") {
            out.tls[opt.slice(2)] = value;
        } else if (opt === "--strategy" && (value === "thread" || value === "pool")) {
            out.strategy = value;
        } else if (opt === "--threads" && /^[0-9]+$/.test(value) && +value >= 1 && +value <= 1024) {
            out.threads = +value;
        } else {
            process.stderr.write(`http_server.js: bad ${opt} '${value}'\n${USAGE}\n`);
            process.exit(2);
        }
    }
    [out.port, out.root] = args;
    if (args.length !== 2 || !/^[0-9]+$/.test(out.port) || +out.port < 1 || +out.port > 65535) {
        process.stderr.write(USAGE + "\n");
        process.exit(2);
    }
    return out;
}

// --strategy pool: at most `threads` connections served at once, 503 beyond
// (Node has one thread: the pool is a count of connections).
function limitConnections(server, most) {
    let busy = 0;
    server.on("connection", (socket) => {
        if (busy >= most) {
            rawError(socket, 503);
            return;
        }
        busy++;
        socket.on("close", () => busy--);
    });
}

function main() {
    const {strategy, threads, port, root, tls} = parseArgs(process.argv.slice(2));
    if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
        process.stderr.write(`http_server.js: DOCROOT '${root}' is not a directory\n`);
        process.exit(2);
    }
    const realRoot = fs.realpathSync(root);
    // --cert: HTTPS, the same server under TLS (the chain: the leaf, then --chain).
    const secure = tls.cert === undefined ? {} : {
        cert: fs.readFileSync(tls.cert, "utf8") +
            (tls.chain === undefined ? "" : "\n" + fs.readFileSync(tls.chain, "utf8")),
        key: fs.readFileSync(tls.key),
        minVersion: "TLSv1.2",
    };
    const server = (tls.cert === undefined ? http : https).createServer({
        ...secure,
        maxHeaderSize: 64 * 1024, // the contract's limits are checked in checkHead()
        requireHostHeader: false, // and its Host rule too
        keepAliveTimeout: IDLE_MS,
        headersTimeout: IDLE_MS,
        requestTimeout: IDLE_MS,
        connectionsCheckingInterval: 250,
    }, (req, res) => {
        handle(realRoot, req, res).catch((e) => {
            process.stderr.write(`http_server.js: ${e.stack}\n`);
            res.destroy();
        });
    });
    server.on("clientError", (err, socket) => {
        if (err.code === "ECONNRESET" || !socket.writable) {
            socket.destroy();
            return;
        }
        const status = statusOfParseError(err);
        if (status === 408 && socket.bytesRead === (socket.socklabRead || 0)) {
            socket.destroy(); // no byte of a new request: close without a word
            return;
        }
        rawError(socket, status);
    });
    // What a connection had read when its last response was sent: a timeout
    // with nothing read since is an idle connection, not a request cut short.
    server.on("request", (req, res) => {
        res.on("finish", () => {
            req.socket.socklabRead = req.socket.bytesRead;
        });
    });
    if (strategy === "pool") {
        limitConnections(server, threads);
    }
    server.listen(+port, "127.0.0.1");
    const stop = () => server.close(() => process.exit(0));
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
}

main();
