/** Where a command writes: standard output for results, standard error for the rest. */
export interface Io {
  /** A line of the command's result (stdout). */
  out(line: string): void;
  /** A line of diagnostics: errors, warnings, progress (stderr). */
  err(line: string): void;
}

/** The process's stdout and stderr. */
export const processIo: Io = {
  out: (line) => void process.stdout.write(`${line}\n`),
  err: (line) => void process.stderr.write(`${line}\n`),
};
