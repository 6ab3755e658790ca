// udp_echo.js - a correct lab 03 UDP echo server in Node.js, written from
// the guide's protocol, for the self-tests: the grader must give it full
// marks. Each datagram goes back whole to its sender, the empty one too.
//
// usage: node udp_echo.js PORT
'use strict';

const dgram = require('dgram');

const port = Number(process.argv[2]);
if (process.argv.length !== 3 || !Number.isInteger(port) || port < 1 || port > 65535) {
  process.stderr.write('usage: node udp_echo.js PORT\n');
  process.exit(2);
}

const sock = dgram.createSocket({ type: 'udp4', recvBufferSize: 1 << 20 });
sock.on('message', (msg, from) => {
  sock.send(msg, from.port, from.address);
});
// An error of the socket (its bind() failed: the port is in use) ends the
// server with status 1; without exit() Node would exit 0 once idle.
sock.on('error', (err) => {
  process.stderr.write(`udp_echo.js: ${err.message}\n`);
  process.exit(1);
});
sock.bind(port, () => process.stderr.write(`udp echo on port ${port}\n`));
process.on('SIGTERM', () => process.exit(0));
