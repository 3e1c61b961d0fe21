/**
 * `ordo tokens create|list|revoke`: API tokens for the HTTP server, made on the database
 * (so only someone who can reach it can make one). `create` prints the token once: only its
 * hash is stored, and no other command or log ever shows it.
 */
import type { Command } from 'commander';
import type { TokenView } from '../client/ordo.js';
import { NotFoundError, ValidationError } from '../core/errors.js';
import { TOKEN_SCOPES, type TokenScope } from '../core/types.js';
import type { CliContext } from './context.js';

export function registerTokens(cli: CliContext, program: Command): void {
  const tokens = program.command('tokens').description('API tokens for `ordo server`: create (shown once), list, revoke');

  tokens
    .command('create')
    .description('make a token and print it once: read (GET), write (also enqueue, cancel, retry, schedules) or admin (also tokens, queue clean and pause)')
    .requiredOption('--scope <scope>', `what the token may do: ${TOKEN_SCOPES.join(', ')}`)
    .option('--name <name>', 'a label to tell tokens apart, e.g. ci-deploy')
    .option('--json', 'print {token, record} as JSON')
    .action(async (flags: { scope: string; name?: string; json?: boolean }, command: Command) => {
      if (!TOKEN_SCOPES.includes(flags.scope as TokenScope)) throw new ValidationError('--scope', `one of ${TOKEN_SCOPES.join(', ')}`, flags.scope);
      await cli.withLocalClient(command, async (ordo) => {
        const created = await ordo.tokens.create({ scope: flags.scope as TokenScope, ...(flags.name === undefined ? {} : { name: flags.name }) });
        if (flags.json) return cli.print.json(created);
        cli.print.line(created.token);
        cli.print.note(`token ${created.record.id} (${created.record.scope}${created.record.name ? `, ${created.record.name}` : ''}) created: it is shown this once, only its hash is kept; send it as "Authorization: Bearer <token>" or use --token / ORDO_TOKEN`);
      }, { create: true });
    });

  tokens
    .command('list')
    .description('list tokens (never the tokens themselves): id, name, scope, created, revoked')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }, command: Command) => {
      await cli.withLocalClient(command, async (ordo) => {
        const list = await ordo.tokens.list();
        if (flags.json) return cli.print.json(list);
        cli.print.table(list.map(row), ['id', 'name', 'scope', 'createdAt', 'revoked']);
      });
    });

  tokens
    .command('revoke')
    .description('revoke a token: servers refuse it within a few seconds')
    .argument('<id>', 'token id, as `ordo tokens list` shows it')
    .action(async (id: string, _flags: unknown, command: Command) => {
      await cli.withLocalClient(command, async (ordo) => {
        const revoked = await ordo.tokens.revoke(id);
        if (revoked) return cli.print.line(`token ${id} revoked`);
        if (!(await ordo.tokens.list()).some((t) => t.id === id)) throw new NotFoundError('token', id);
        cli.print.line(`token ${id} was already revoked`);
      });
    });
}

function row(token: TokenView): Record<string, unknown> {
  return { ...token, revoked: token.revokedAt ?? 'no' };
}
