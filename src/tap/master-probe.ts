import { connect } from 'node:net';
import type { HostPort } from './address.js';

/**
 * Whether a TCP connection to the master opens within `timeoutMs`: null when it does, otherwise
 * what stopped it (an errno code such as ECONNREFUSED or ENOTFOUND, or no answer in time). Nothing
 * is sent: the master may want AUTH, and its replicas' links are what the tap is for.
 */
export function probeMaster(master: HostPort, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({ host: master.host, port: master.port });
    const done = (problem: string | null): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(problem);
    };
    const timer = setTimeout(() => done(`no answer within ${timeoutMs} ms`), timeoutMs);
    socket.once('connect', () => done(null));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
  });
}
