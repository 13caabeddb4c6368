/** A command line the CLI cannot run: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  /** The usage text of the command concerned. */
  readonly usage: string;
  constructor(message: string, usage: string) {
    super(message);
    this.name = 'UsageError';
    this.usage = usage;
  }
}
