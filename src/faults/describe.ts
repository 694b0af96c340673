import type { LinkPhase } from '../link/events.js';
import type { Fault } from './spec.js';

/** Where a fault acted, for the `detail` of its event: `12345 bytes of rdb`. */
export function describeAt(hit: { phase: LinkPhase; within: number }): string {
  return `${hit.within} bytes of ${hit.phase}`;
}

/** What a lasting fault does, for the `detail` of the event that starts it. */
export function describeLasting(fault: Fault): string {
  switch (fault.action) {
    case 'delay':
      return `delaying by ${fault.params.ms} ms${fault.params.jitterMs ? ` ± ${fault.params.jitterMs}` : ''}`;
    case 'throttle':
      return `throttling to ${fault.params.bytesPerSec} bytes/s`;
    case 'slice':
      return `slicing into writes of ${fault.params.bytes} bytes`;
    case 'freeze':
      return fault.params.durationMs === null ? 'frozen until removed' : `frozen for ${fault.params.durationMs} ms`;
    default:
      return fault.action;
  }
}

/** A byte as two hex digits. */
export function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
