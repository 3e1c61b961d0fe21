/**
 * API tokens on SQLite: tokenCreate, tokenGet, tokenList, tokenRevoke. Only a token's hash
 * is stored; revoking keeps the row, with the time of its revocation.
 */
import type { TokenRecord } from '../../../core/types.js';
import { type NewToken, checkNewToken, isTokenId, tokenExists } from '../../token-records.js';
import type { SqliteConnection } from '../connection.js';
import { toDate } from '../rows.js';

const CREATE = `
  INSERT INTO tokens (id, name, scope, hash, created_at) VALUES (@id, @name, @scope, @hash, @now)
  ON CONFLICT (id) DO NOTHING
  RETURNING *`;

const GET = `SELECT * FROM tokens WHERE id = ?`;

const LIST = `SELECT * FROM tokens ORDER BY created_at, id`;

const REVOKE = `UPDATE tokens SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL`;

interface TokenRow extends Pick<TokenRecord, 'id' | 'name' | 'scope' | 'hash'> {
  created_at: number;
  revoked_at: number | null;
}

function tokenFromRow(row: TokenRow): TokenRecord {
  return { id: row.id, name: row.name, scope: row.scope, hash: row.hash, createdAt: new Date(row.created_at), revokedAt: toDate(row.revoked_at) };
}

export function createToken(c: SqliteConnection, now: number, token: NewToken): TokenRecord {
  const row = c.prepare(CREATE).get({ ...checkNewToken(token), now }) as TokenRow | undefined;
  if (!row) throw tokenExists(token.id);
  return tokenFromRow(row);
}

export function getToken(c: SqliteConnection, id: string): TokenRecord | null {
  if (!isTokenId(id)) return null;
  const row = c.prepare(GET).get(id) as TokenRow | undefined;
  return row ? tokenFromRow(row) : null;
}

export function listTokens(c: SqliteConnection): TokenRecord[] {
  return (c.prepare(LIST).all() as TokenRow[]).map(tokenFromRow);
}

export function revokeToken(c: SqliteConnection, now: number, id: string): boolean {
  if (!isTokenId(id)) return false;
  return c.prepare(REVOKE).run({ id, now }).changes > 0;
}
