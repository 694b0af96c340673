import { backlogOverflow } from './backlog-overflow.js';
import { cutMidRdb } from './cut-mid-rdb.js';
import { forcedFull } from './forced-full.js';
import { laggingAcks } from './lagging-acks.js';
import { partialResync } from './partial-resync.js';
import type { Scenario } from './scenario.js';
import { syncLoop } from './sync-loop.js';
import { timeout } from './timeout.js';

export const SCENARIOS: readonly Scenario[] = [partialResync, backlogOverflow, cutMidRdb, timeout, syncLoop, forcedFull, laggingAcks];

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
