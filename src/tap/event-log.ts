import type { Logger } from 'pino';
import { describeEvent } from '../link/describe.js';
import type { LinkEvent } from '../link/events.js';

/**
 * Logs events at a level that fits how often they happen: sync milestones at info, chatter at
 * debug, every command at trace. The levels are read once: this runs for every command.
 */
export class EventLog {
  private readonly debug: boolean;
  private readonly trace: boolean;

  constructor(private readonly logger: Logger) {
    this.debug = logger.isLevelEnabled('debug');
    this.trace = logger.isLevelEnabled('trace');
  }

  /** Whether events of the command stream (commands, PINGs, GETACKs, keep-alives) are logged at all. */
  get streamEvents(): boolean {
    return this.debug;
  }

  /** Whether the keys of RDBs in transfer are logged. */
  get keyEvents(): boolean {
    return this.trace;
  }

  log(event: LinkEvent): void {
    switch (event.type) {
      case 'command':
      case 'rdb-key':
        if (this.trace) this.logger.trace({ link: event.link }, describeEvent(event));
        return;
      case 'ack':
      case 'ping':
      case 'getack':
      case 'keepalive':
      case 'handshake':
      case 'rdb-aux':
        if (this.debug) this.logger.debug({ link: event.link }, describeEvent(event));
        return;
      case 'decode-error':
        this.logger.warn({ link: event.link, dir: event.dir, at: event.at }, describeEvent(event));
        return;
      default:
        this.logger.info({ link: event.link }, describeEvent(event));
    }
  }
}
