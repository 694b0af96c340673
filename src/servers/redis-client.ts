import { connect, type Socket } from 'node:net';
import Parser from 'redis-parser';
import { encodeCommand, type RespArg } from '../resp/encode.js';

export type RedisArg = RespArg;
export type RedisReply = string | number | null | Buffer | RedisReply[];

/** A Redis error reply (`-ERR ...`), as opposed to a broken connection. */
export class RedisReplyError extends Error {
  override name = 'RedisReplyError';
}

interface Pending {
  resolve(reply: RedisReply): void;
  reject(error: Error): void;
}

/**
 * A minimal pipelining client for driving test and demo servers: commands out as RESP arrays,
 * replies parsed by redis-parser, answered in order.
 */
export class RedisClient {
  private readonly pending: Pending[] = [];
  private readonly parser: Parser;
  private closedError: Error | null = null;

  private constructor(private readonly socket: Socket) {
    this.parser = new Parser({
      returnReply: (reply) => this.pending.shift()?.resolve(reply as RedisReply),
      returnError: (error) => this.pending.shift()?.reject(new RedisReplyError(error.message)),
      returnFatalError: (error) => this.fail(error),
    });
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.parser.execute(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RedisClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RedisClient(socket));
      });
      socket.once('error', reject);
    });
  }

  call(...args: RedisArg[]): Promise<RedisReply> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.socket.write(encodeCommand(args));
    });
  }

  /** Sends many commands at once and waits for all replies. */
  pipeline(commands: RedisArg[][]): Promise<RedisReply[]> {
    return Promise.all(commands.map((args) => this.call(...args)));
  }

  async info(section = 'replication'): Promise<Record<string, string>> {
    const text = String(await this.call('INFO', section));
    const fields: Record<string, string> = {};
    for (const line of text.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0 && !line.startsWith('#')) fields[line.slice(0, colon)] = line.slice(colon + 1);
    }
    return fields;
  }

  close(): void {
    this.socket.destroy();
  }

  private fail(error: Error): void {
    this.closedError ??= error;
    for (const p of this.pending.splice(0)) p.reject(error);
  }
}
