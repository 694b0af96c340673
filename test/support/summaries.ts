import type { LinkEvent } from '../../src/link/events.js';
import { LinkSummarizer, type LinkSummary } from '../../src/trace/link-summary.js';

/** What `inspect` makes of these events: one summary per link, in link order. */
export function summaries(events: readonly LinkEvent[]): LinkSummary[] {
  const summarizer = new LinkSummarizer();
  for (const event of events) summarizer.event(event);
  return summarizer.summaries();
}
