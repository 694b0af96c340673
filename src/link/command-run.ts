import { CommandScanner, type CommandFrame, type CommandScannerOptions } from '../resp/command-scanner.js';
import type { CommandRunEvent, LinkEvent } from './events.js';
import { StreamCommands } from './stream-commands.js';
import { counted } from '../counted.js';

/** A command run whose bytes are not the whole frames it announces. */
export class CommandRunError extends Error {
  override readonly name = 'CommandRunError';
}

/**
 * Turns command runs back into the events the decoder would have made for their frames, with the
 * same scanner limits (the trace header's `maxArgs` and `maxArgBytes`).
 */
export class CommandRunExpander {
  private scanner: CommandScanner;
  private readonly commands: StreamCommands;
  private run: CommandRunEvent | null = null;
  private out: LinkEvent[] = [];
  /** Scanner position of the run's first byte. */
  private base = 0;
  private readonly onFrame = (frame: CommandFrame): void => this.frame(frame);

  constructor(
    private readonly scannerOptions: Partial<CommandScannerOptions>,
    args: boolean,
  ) {
    this.scanner = new CommandScanner(scannerOptions);
    this.commands = new StreamCommands(args);
  }

  /** The run's events, in order; throws CommandRunError when its bytes do not hold `count` whole frames. */
  expand(run: CommandRunEvent): LinkEvent[] {
    const out: LinkEvent[] = [];
    this.run = run;
    this.out = out;
    this.base = this.scanner.position;
    this.commands.reset(run.db, run.tx);
    const data = run.data;
    const error = this.scanner.scan(data, 0, data.length, this.onFrame);
    this.run = null;
    this.out = [];
    let problem: string | null = null;
    if (error !== null) problem = `${error.message} at byte ${error.at - this.base} of its data`;
    else if (this.scanner.partialFrameBytes > 0) problem = `its data ends ${counted(this.scanner.partialFrameBytes, 'byte')} into a frame`;
    else if (out.length !== run.count) problem = `its data holds ${counted(out.length, 'frame')}, it announces ${run.count}`;
    if (problem !== null) {
      // The scanner cannot go on from a broken frame: the next run starts afresh.
      this.scanner = new CommandScanner(this.scannerOptions);
      throw new CommandRunError(`command run of link ${run.link} ending at offset ${run.offset}: ${problem}`);
    }
    return out;
  }

  private frame(frame: CommandFrame): void {
    const run = this.run!;
    // Offsets and positions count back from the run's end, which the record carries.
    const fromEnd = run.data.length - (frame.start - this.base + frame.size);
    this.out.push(this.commands.event(frame, run.t, run.link, run.offset - fromEnd, run.pos - fromEnd));
  }
}
