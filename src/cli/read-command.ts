/**
 * The shape shared by the commands that only list something (`workers`, `queues stats`):
 * open a client read-only (or go through `--server`), read, print JSON with `--json`, else a
 * table. Declaring them
 * through one helper keeps their flags, output and client lifetime the same.
 */
import type { Command } from 'commander';
import type { OrdoClient } from '../client/ordo.js';
import type { CliContext } from './context.js';

export interface ReadCommandSpec<T> {
  name: string;
  description: string;
  /** What to list; printed as is with `--json`. */
  read(ordo: OrdoClient): T[] | Promise<T[]>;
  /** One table row of an item, for people. */
  row(item: T): Record<string, unknown>;
  /** The table's columns, in order: keys of `row`'s result. */
  columns: string[];
}

/** Adds a listing command to `parent`. */
export function readCommand<T>(cli: CliContext, parent: Command, spec: ReadCommandSpec<T>): void {
  parent
    .command(spec.name)
    .description(spec.description)
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }, command: Command) => {
      await cli.withClient(command, async (ordo) => {
        const items = await spec.read(ordo);
        if (flags.json) return cli.print.json(items);
        cli.print.table(items.map((item) => spec.row(item)), spec.columns);
      });
    });
}
