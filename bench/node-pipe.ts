/**
 * The floor for any Node.js relay: a bare `net` pipe with backpressure, no decoding, no trace.
 * The benches run it beside socat and repltap to separate Node's own I/O cost from repltap's.
 * Both its sockets send at once (no Nagle), as redis-server's and repltap's do: with Nagle on, a
 * small write waits for the peer's delayed ACK, up to 40 ms on Linux.
 *
 *   node --import tsx bench/node-pipe.ts LISTEN_PORT MASTER_PORT
 */
import { connect, createServer } from 'node:net';

const [listenPort, masterPort] = process.argv.slice(2).map(Number);
createServer({ noDelay: true }, (replica) => {
  const master = connect({ host: '127.0.0.1', port: masterPort!, noDelay: true });
  replica.pipe(master);
  master.pipe(replica);
  replica.on('close', () => master.destroy());
  master.on('close', () => replica.destroy());
  replica.on('error', () => master.destroy());
  master.on('error', () => replica.destroy());
}).listen(listenPort, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
