// file_server.js - a correct lab 02 file server in Node.js, written from the
// guide's protocol, for the self-tests: the grader must give it full marks.
// It writes each chunk straight to disk as it arrives (fs.writeSync() on the
// 'data' event), the way Node programs often do: memory does not grow with
// the file, but the runtime keeps and releases its buffers lazily, which a
// memory check must not take for growth.
//
// usage: node file_server.js PORT DIR
'use strict';

const fs = require('fs');
const net = require('net');
const path = require('path');
const crypto = require('crypto');

const HEADER_MAX = 1024;
const SIZE_MAX = 2 ** 40;

if (process.argv.length !== 4) {
  process.stderr.write('usage: node file_server.js PORT DIR\n');
  process.exit(2);
}
const port = Number(process.argv[2]);
const dir = process.argv[3];
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  process.stderr.write(`file_server.js: bad port ${process.argv[2]}\n`);
  process.exit(2);
}
fs.mkdirSync(dir, { recursive: true });

// Why a header is refused, or null when it is good. NAME stays bytes (a
// Buffer) from the wire to the file system: a string would be re-encoded.
function refusal(bytes, sizeText) {
  const name = bytes.toString('latin1');
  if (bytes.length === 0) return 'empty name';
  if (bytes.length > 255) return 'name too long';
  if (name === '.' || name === '..') return 'name is . or ..';
  if (name.includes('/')) return 'slash in name';
  if (name.includes('\0')) return 'NUL byte in name';
  for (const b of bytes) {
    if (b < 32 || b === 127) return 'control character in name';
  }
  if (!/^[0-9]{1,13}$/.test(sizeText) || Number(sizeText) > SIZE_MAX) return 'bad size';
  return null;
}

function serve(sock) {
  let header = Buffer.alloc(0);
  let size = 0;
  let got = 0;
  let out = null;
  let tmp = null;
  let final = null;
  let finished = false;

  const dropTemp = () => {
    if (out !== null) {
      fs.closeSync(out);
      out = null;
    }
    if (tmp !== null) {
      fs.rmSync(tmp, { force: true });
      tmp = null;
    }
  };
  const refuse = (why) => {
    process.stderr.write(`refused: ${why}\n`);
    sock.end(`ERR ${why}\n`);
    finished = true;
  };
  const done = () => {
    finished = true;
    try {
      fs.closeSync(out);
      out = null;
      fs.renameSync(tmp, final);
    } catch (e) {
      dropTemp();
      sock.end('ERR write failed\n');
      return;
    }
    tmp = null;
    process.stderr.write(`stored ${path.basename(final.toString('latin1'))} (${size} bytes)\n`);
    sock.end(`DONE ${size}\n`);
  };
  const body = (chunk) => {
    const take = chunk.subarray(0, size - got);
    got += take.length;
    try {
      fs.writeSync(out, take);
    } catch (e) {
      dropTemp();
      sock.end('ERR write failed\n');
      finished = true;
      return;
    }
    if (got === size) {
      done();
    }
  };
  const start = (line) => {
    const bar = line.lastIndexOf(0x7c); // the last '|'
    if (bar < 0) {
      refuse('malformed header: no "|"');
      return false;
    }
    const name = line.subarray(0, bar);
    const sizeText = line.subarray(bar + 1).toString('latin1');
    const why = refusal(name, sizeText);
    if (why !== null) {
      refuse(why);
      return false;
    }
    size = Number(sizeText);
    final = Buffer.concat([Buffer.from(dir + path.sep), name]);
    tmp = path.join(dir, `.partial-${crypto.randomBytes(8).toString('hex')}`);
    try {
      out = fs.openSync(tmp, 'wx');
    } catch (e) {
      tmp = null;
      refuse('cannot create file');
      return false;
    }
    sock.write('OK\n');
    if (size === 0) {
      done();
    }
    return true;
  };

  sock.on('data', (chunk) => {
    if (finished) return;
    if (out !== null) {
      body(chunk);
      return;
    }
    header = Buffer.concat([header, chunk]);
    const nl = header.indexOf(10);
    if (nl < 0) {
      if (header.length >= HEADER_MAX) refuse('header too long');
      return;
    }
    if (nl + 1 > HEADER_MAX) {
      refuse('header too long');
      return;
    }
    const line = header.subarray(0, nl);
    const rest = header.subarray(nl + 1);
    if (start(line) && rest.length > 0 && !finished) {
      body(rest);
    }
  });
  sock.on('error', () => {});
  sock.on('close', () => {
    if (!finished || (tmp !== null && got < size)) {
      dropTemp();
    }
  });
}

const server = net.createServer(serve);
server.listen(port, () => process.stderr.write(`listening on port ${port}, storing in ${dir}\n`));
process.on('SIGTERM', () => process.exit(0));
