import { UsageError } from '../errors.js';

export interface HostPort {
  host: string;
  port: number;
}

/** Parses `host:port`, `[v6]:port` or a bare port (loopback). */
export function parseHostPort(text: string, what: string): HostPort {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return checkPort({ host: '127.0.0.1', port: Number(trimmed) }, text, what);
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(trimmed);
  if (v6) return checkPort({ host: v6[1]!, port: Number(v6[2]) }, text, what);
  const colon = trimmed.lastIndexOf(':');
  if (colon <= 0 || !/^\d+$/.test(trimmed.slice(colon + 1))) {
    throw new UsageError(`${what} must be HOST:PORT (for example 127.0.0.1:6379), got ${JSON.stringify(text)}`);
  }
  return checkPort({ host: trimmed.slice(0, colon), port: Number(trimmed.slice(colon + 1)) }, text, what);
}

function checkPort(address: HostPort, text: string, what: string): HostPort {
  if (address.port < 0 || address.port > 65535) {
    throw new UsageError(`${what}: port must be 0 to 65535, got ${JSON.stringify(text)}`);
  }
  return address;
}

export function formatHostPort(address: HostPort): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
