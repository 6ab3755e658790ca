// chat_server.js - a correct lab 06 chat server in Node.js, written from the
// guide's protocol, for the self-tests: the grader must give it full marks
// on the chat checks. One thread and an event loop instead of a thread per
// member: the protocol is what is graded, not the threads.
//
// usage: node chat_server.js PORT
'use strict';

const net = require('net');

const LINE_MAX = 1000;
const QUEUE_MAX = 256 * 1024;
const NAME = /^[A-Za-z0-9_-]{1,16}$/;

const port = Number(process.argv[2]);
if (process.argv.length !== 3 || !Number.isInteger(port) || port < 1 || port > 65535) {
  process.stderr.write('usage: node chat_server.js PORT\n');
  process.exit(2);
}

const members = new Map(); // name -> member

// Send a line (a string or the bytes of one) to a member, or disconnect it
// if its queue would pass the limit.
function tell(m, line) {
  if (m.gone) return;
  const bytes = Buffer.isBuffer(line) ? line.length : Buffer.byteLength(line);
  if (m.sock.writableLength + bytes > QUEUE_MAX) {
    leave(m);
    m.sock.destroy();
    return;
  }
  m.sock.write(line);
}

function toOthers(m, line) {
  for (const other of [...members.values()]) {
    if (other !== m) tell(other, line);
  }
}

function leave(m) {
  if (m.gone) return;
  m.gone = true;
  if (m.name !== null && members.get(m.name) === m) {
    members.delete(m.name);
    toOthers(m, `* ${m.name} left\n`);
  }
}

// One complete line (newline and a CR before it removed).
function onLine(m, line) {
  if (m.name === null) {
    const name = line.toString('latin1');
    if (!NAME.test(name)) {
      m.sock.write('ERR invalid name\n');
    } else if (members.has(name)) {
      m.sock.write('ERR name taken\n');
    } else {
      m.name = name;
      members.set(name, m);
      m.sock.write(`OK ${name}\n`);
      toOthers(m, `* ${name} joined\n`);
    }
    return;
  }
  if (line.length > 0) {
    // The text is bytes, passed on as they came: no decoding.
    toOthers(m, Buffer.concat([Buffer.from(`${m.name}: `), line, Buffer.from('\n')]));
  }
}

// A line longer than the limit: a member is told so; a name that long is
// just not a valid name.
function tooLong(m) {
  m.sock.write(m.name !== null ? 'ERR line too long\n' : 'ERR invalid name\n');
}

const server = net.createServer((sock) => {
  const m = { sock, name: null, buf: Buffer.alloc(0), skipping: false, gone: false };
  sock.on('data', (chunk) => {
    m.buf = Buffer.concat([m.buf, chunk]);
    for (;;) {
      const nl = m.buf.indexOf(10);
      if (nl < 0) {
        // No newline yet: a line that is already too long is dropped, and
        // its sender told once; the rest of it, up to its newline, skipped.
        if (m.buf.length > LINE_MAX + 1 && !m.skipping) {
          m.skipping = true;
          tooLong(m);
        }
        if (m.skipping) m.buf = Buffer.alloc(0);
        return;
      }
      let line = m.buf.subarray(0, nl);
      m.buf = m.buf.subarray(nl + 1);
      if (line.length > 0 && line[line.length - 1] === 13) line = line.subarray(0, line.length - 1);
      if (m.skipping) {
        m.skipping = false;
        continue;
      }
      if (line.length > LINE_MAX) {
        tooLong(m);
        continue;
      }
      onLine(m, line);
    }
  });
  // A member who leaves is let go at once: what still waits for it is
  // dropped (end() would wait to send it, to a member who may never read).
  sock.on('end', () => {
    leave(m);
    sock.destroy();
  });
  sock.on('error', () => leave(m));
  sock.on('close', () => leave(m));
});
server.listen(port, () => process.stderr.write(`chat server on port ${port}\n`));
process.on('SIGTERM', () => process.exit(0));
