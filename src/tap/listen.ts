import type { Server } from 'node:net';
import type { HostPort } from './address.js';

/** Starts `server` listening on `address` (port 0: any free one); resolves to the address it got. */
export function listenOn(server: Server, address: HostPort): Promise<HostPort> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      const bound = server.address();
      resolve(typeof bound === 'object' && bound !== null ? { host: bound.address, port: bound.port } : address);
    });
  });
}
