/**
 * How long-running commands (`ordo worker`, `ordo dev`, `ordo scheduler`) answer SIGTERM and
 * SIGINT: the first asks for a graceful stop, a second exits at once (code 130).
 */
import type { CliContext } from './context.js';

/** Calls `stop` on the first signal; on a second, prints `secondNote` and exits. Returns the remover. */
export function onStopSignals(cli: CliContext, stop: () => void, secondNote = 'exiting now'): () => void {
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      cli.print.note(`second ${signal}: ${secondNote}`);
      process.exit(130);
    }
    cli.print.note(`${signal}: stopping (again to exit at once)`);
    stop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
}
