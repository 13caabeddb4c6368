/**
 * Ends a command with a non-zero exit code whose reason was already printed (a crashed
 * worker logged why; `purge` was declined at its prompt): the CLI adds nothing.
 */
export class CommandExit extends Error {
  /** The process's exit code. */
  readonly exitCode: number;
  constructor(exitCode: number, reason: string) {
    super(reason);
    this.name = 'CommandExit';
    this.exitCode = exitCode;
  }
}
