/**
 * API tokens on PostgreSQL: tokenCreate, tokenGet, tokenList, tokenRevoke. Only a token's
 * hash is stored; revoking keeps the row, with the time of its revocation. Same module as
 * the SQLite engine's.
 */
import type { TokenRecord } from '../../../core/types.js';
import { type NewToken, checkNewToken, isTokenId, tokenExists } from '../../token-records.js';
import type { PgContext } from '../context.js';

const COLUMNS = 'id, name, scope, hash, created_at, revoked_at';

const createSql = (s: string): string => `
  INSERT INTO ${s}.tokens (id, name, scope, hash, created_at) VALUES ($1, $2, $3, $4, now())
  ON CONFLICT (id) DO NOTHING
  RETURNING ${COLUMNS}`;

const getSql = (s: string): string => `SELECT ${COLUMNS} FROM ${s}.tokens WHERE id = $1`;

const listSql = (s: string): string => `SELECT ${COLUMNS} FROM ${s}.tokens ORDER BY created_at, id COLLATE "C"`;

const revokeSql = (s: string): string => `UPDATE ${s}.tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id`;

interface TokenRow extends Pick<TokenRecord, 'id' | 'name' | 'scope' | 'hash'> {
  created_at: Date;
  revoked_at: Date | null;
}

function tokenFromRow(row: TokenRow): TokenRecord {
  return { id: row.id, name: row.name, scope: row.scope, hash: row.hash, createdAt: row.created_at, revokedAt: row.revoked_at };
}

export async function createToken(ctx: PgContext, token: NewToken): Promise<TokenRecord> {
  const { id, name, scope, hash } = checkNewToken(token);
  const [row] = await ctx.db.rows<TokenRow>({ text: createSql(ctx.s), values: [id, name, scope, hash] });
  if (!row) throw tokenExists(id);
  return tokenFromRow(row);
}

export async function getToken(ctx: PgContext, id: string): Promise<TokenRecord | null> {
  if (!isTokenId(id)) return null;
  const [row] = await ctx.db.rows<TokenRow>({ name: 'ordo_token_get', text: getSql(ctx.s), values: [id] });
  return row ? tokenFromRow(row) : null;
}

export async function listTokens(ctx: PgContext): Promise<TokenRecord[]> {
  return (await ctx.db.rows<TokenRow>({ text: listSql(ctx.s) })).map(tokenFromRow);
}

export async function revokeToken(ctx: PgContext, id: string): Promise<boolean> {
  if (!isTokenId(id)) return false;
  return (await ctx.db.rows({ text: revokeSql(ctx.s), values: [id] })).length > 0;
}
