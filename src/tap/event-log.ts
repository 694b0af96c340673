import type { Logger } from 'pino';
import { describeEvent } from '../link/describe.js';
import type { LinkEvent } from '../link/events.js';

/** Logs an event at a level that fits how often it happens: sync milestones at info, chatter lower. */
export function logEvent(logger: Logger, event: LinkEvent): void {
  switch (event.type) {
    case 'command':
      if (logger.isLevelEnabled('trace')) logger.trace({ link: event.link }, describeEvent(event));
      return;
    case 'ack':
    case 'ping':
    case 'getack':
    case 'keepalive':
    case 'handshake':
      if (logger.isLevelEnabled('debug')) logger.debug({ link: event.link }, describeEvent(event));
      return;
    case 'decode-error':
      logger.warn({ link: event.link, dir: event.dir, at: event.at }, describeEvent(event));
      return;
    default:
      logger.info({ link: event.link }, describeEvent(event));
  }
}
