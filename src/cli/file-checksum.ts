import { closeSync, openSync, readSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { Crc64, crc64Hex, crc64Kernel } from '../rdb/crc64.js';

/** Reads per call in the worker. */
const READ_BYTES = 1024 * 1024;

// The worker runs from a string (no module to resolve, in the build and when run from source
// alike): the CRC kernel's own source text, and a loop reading the file with it.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { openSync, readSync, closeSync } = require('node:fs');
const update = (${crc64Kernel.toString()})();
const state = new Uint32Array(2);
const buffer = Buffer.allocUnsafe(${READ_BYTES});
const fd = openSync(workerData.path, 'r');
let at = 0;
try {
  while (at < workerData.length) {
    const n = readSync(fd, buffer, 0, Math.min(buffer.length, workerData.length - at), at);
    if (n === 0) break;
    update(state, buffer, 0, n);
    at += n;
  }
} finally {
  closeSync(fd);
}
parentPort.postMessage({ hi: state[0], lo: state[1], bytes: at });
`;

/**
 * The CRC-64 of a file's first `length` bytes, computed in a worker thread while the caller decodes
 * the file: on two cores the checksum then costs no time. Resolves with 16 hex digits, or null when
 * the file could not be read that far (the decoder reports why).
 */
export function checksumInWorker(path: string, length: number): { result: Promise<string | null>; cancel: () => Promise<void> } {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, length } });
  const result = new Promise<string | null>((resolve) => {
    worker.once('message', (m: { hi: number; lo: number; bytes: number }) => resolve(m.bytes === length ? crc64Hex(m.hi, m.lo) : null));
    worker.once('error', () => resolve(null));
    worker.once('exit', () => resolve(null));
  });
  return { result, cancel: async () => void (await worker.terminate()) };
}

/** The CRC-64 of a file's first `length` bytes, here and now (when the worker's span was not the one needed). */
export function checksumOfPrefix(path: string, length: number): string {
  const crc = new Crc64();
  const buffer = Buffer.allocUnsafe(READ_BYTES);
  const fd = openSync(path, 'r');
  try {
    for (let at = 0; at < length; ) {
      const n = readSync(fd, buffer, 0, Math.min(buffer.length, length - at), at);
      if (n === 0) break;
      crc.update(buffer, 0, n);
      at += n;
    }
  } finally {
    closeSync(fd);
  }
  return crc.hex();
}
