import type { LinkPhase } from '../link/events.js';
import type { Fault } from './spec.js';
import { counted } from '../counted.js';

/** Where a fault acted, for the `detail` of its event: `12345 bytes of rdb`. */
export function describeAt(hit: { phase: LinkPhase; within: number }): string {
  return `${counted(hit.within, 'byte')} of ${hit.phase}`;
}

/** What a lasting fault does, for the `detail` of the event that starts it. */
export function describeLasting(fault: Fault): string {
  switch (fault.action) {
    case 'delay':
      return `delaying by ${fault.params.ms} ms${fault.params.jitterMs ? ` ± ${fault.params.jitterMs}` : ''}`;
    case 'throttle':
      return `throttling to ${counted(fault.params.bytesPerSec, 'byte')}/s`;
    case 'slice':
      return `slicing into writes of ${counted(fault.params.bytes, 'byte')}`;
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
