/**
 * Entry point of the `celeriac` bin: run the CLI with the process's arguments, then exit
 * with its code once the command is done and flushed — a timer or socket the app left
 * open never keeps a stopped worker's process alive.
 */
import { setLoadedFromSource } from './loader.js';
import { main } from './main.js';

/** Options the bin passes. */
export interface RunOptions {
  /** The bin runs the TypeScript sources (a checkout that was not built). */
  fromSource?: boolean;
}

/** Run the CLI and exit the process with its exit code. */
export async function run(argv: readonly string[], options: RunOptions = {}): Promise<never> {
  setLoadedFromSource(options.fromSource ?? false);
  // Output piped into a reader that quit (`celeriac inspect stats | head`): done, quietly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  const code = await main(argv);
  process.exit(code);
}
