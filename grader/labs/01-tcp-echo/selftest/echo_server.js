// echo_server.js - a correct lab 01 echo server in Node.js (RFC 862, as the
// guide states it), for the self-tests: the grader must give it full marks.
//
// usage: node echo_server.js PORT
'use strict';

const net = require('net');

const port = Number(process.argv[2]);
if (process.argv.length !== 3 || !Number.isInteger(port) || port < 1 || port > 65535) {
  process.stderr.write('usage: node echo_server.js PORT\n');
  process.exit(2);
}

const server = net.createServer({ allowHalfOpen: true }, (sock) => {
  // pipe() sends every byte back with backpressure, and ends our side
  // once the client has ended its own: a half-close is honoured.
  sock.pipe(sock);
  sock.on('error', () => sock.destroy());
});
server.listen(port, () => process.stderr.write(`echo server on port ${port}\n`));
process.on('SIGTERM', () => process.exit(0));
