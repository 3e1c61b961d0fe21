/**
 * `ordo tokens create|list|revoke`: API tokens for the HTTP server.
 */
import type { Command } from 'commander';
import type { CliContext } from './context.js';

export function registerTokens(cli: CliContext, program: Command): void {
  void cli;
  void program;
}
