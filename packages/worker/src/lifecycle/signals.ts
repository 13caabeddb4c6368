/**
 * POSIX signals → shutdown, as Celery: SIGTERM and a first SIGINT are warm, a second
 * SIGINT and SIGQUIT are cold.
 */
import type { Logger } from '../logger.js';

/** What the handlers call. */
export interface Stoppable {
  stop(options?: { mode?: 'warm' | 'cold' }): Promise<void>;
}

/** Install the handlers; returns the function that removes them. */
export function installSignalHandlers(target: Stoppable, logger: Logger): () => void {
  let interrupts = 0;
  const stop = (mode: 'warm' | 'cold', signal: string) => {
    logger.info(`${signal} received: ${mode} shutdown`);
    target.stop({ mode }).catch((error: unknown) => {
      logger.error('Shutdown failed', {
        error: error instanceof Error ? error.message : String(error),
      });
    });
  };
  const onTerm = () => stop('warm', 'SIGTERM');
  const onInt = () => {
    interrupts += 1;
    stop(interrupts === 1 ? 'warm' : 'cold', 'SIGINT');
  };
  const onQuit = () => stop('cold', 'SIGQUIT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  process.on('SIGQUIT', onQuit);
  return () => {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    process.off('SIGQUIT', onQuit);
  };
}
