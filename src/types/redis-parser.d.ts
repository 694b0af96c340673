declare module 'redis-parser' {
  interface ParserOptions {
    returnReply(reply: unknown): void;
    returnError(error: Error): void;
    returnFatalError?(error: Error): void;
    returnBuffers?: boolean;
    stringNumbers?: boolean;
  }
  class Parser {
    constructor(options: ParserOptions);
    execute(data: Buffer): void;
    reset(): void;
  }
  export = Parser;
}
