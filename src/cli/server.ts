/**
 * `ordo server`: the HTTP API (and, in `ordo dev`, the same server on localhost).
 */
import type { Command } from 'commander';
import type { CliContext } from './context.js';

export function registerServer(cli: CliContext, program: Command): void {
  void cli;
  void program;
}
