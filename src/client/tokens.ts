/**
 * API tokens for the HTTP server: made here, shown once, stored only as a hash.
 *
 * A token reads `ordo_<id>_<secret>`: the id (10 hex characters, also the record's id) lets
 * `verify` find the one record to compare with, so checking a token costs one read by key,
 * not a scan; the secret (32 random bytes, base64url) is what makes it unguessable. The store
 * keeps SHA-256 of the whole token (hex): a fast hash is enough for 256 random bits, and a
 * leaked table gives no token back. Hashes are compared in constant time, so the time a
 * refusal takes says nothing about how close a guess was.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ValidationError } from '../core/errors.js';
import { TOKEN_SCOPES, type TokenRecord, type TokenScope } from '../core/types.js';
import type { Store } from '../store/contract.js';
import type { TokenClient } from './api.js';

/** A token as callers see it: everything but the hash. */
export type TokenView = Omit<TokenRecord, 'hash'>;

const TOKEN = /^ordo_([0-9a-f]{10})_([A-Za-z0-9_-]{43})$/;
const TOKEN_ID = /^[0-9a-f]{10}$/;
const MAX_NAME = 200;

export class Tokens implements TokenClient {
  constructor(private readonly store: Store) {}

  /** Makes a token with this scope: the token is in this answer and nowhere else, ever. */
  async create(options: { scope: TokenScope; name?: string }): Promise<{ token: string; record: TokenView }> {
    const scope = checkScope(options?.scope);
    const name = options.name === undefined ? null : checkTokenName(options.name);
    const id = randomBytes(5).toString('hex');
    const token = `ordo_${id}_${randomBytes(32).toString('base64url')}`;
    const record = await this.store.tokenCreate({ id, name, scope, hash: hashToken(token) });
    return { token, record: withoutHash(record) };
  }

  /** Every token, revoked ones too, oldest first; never a token or its hash. */
  async list(): Promise<TokenView[]> {
    return (await this.store.tokenList()).map(withoutHash);
  }

  /** Revokes a token at once (servers that cached it stop accepting it within their cache time). False if unknown or revoked already. */
  async revoke(id: string): Promise<boolean> {
    return this.store.tokenRevoke({ id: checkTokenId(id) });
  }

  /**
   * The record of a valid token, or null: malformed, unknown, revoked or wrong all answer null,
   * alike and without throwing (the caller answers 401 whatever the reason).
   */
  async verify(token: unknown): Promise<TokenView | null> {
    const match = typeof token === 'string' ? TOKEN.exec(token) : null;
    if (!match) return null;
    const record = await this.store.tokenGet({ id: match[1]! });
    if (!record || record.revokedAt !== null) return null;
    const expected = Buffer.from(record.hash, 'hex');
    const given = Buffer.from(hashToken(token as string), 'hex');
    return expected.length === given.length && timingSafeEqual(expected, given) ? withoutHash(record) : null;
  }
}

/** A token's id: 10 hex characters (the part after `ordo_`), as `ordo tokens list` shows it. */
export function checkTokenId(id: unknown): string {
  if (typeof id !== 'string' || !TOKEN_ID.test(id)) throw new ValidationError('id', 'a token id: 10 hex characters, as `ordo tokens list` shows', id);
  return id;
}

/** SHA-256 of a token, hex: what the store keeps. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function withoutHash(record: TokenRecord): TokenView {
  const { hash: _hash, ...view } = record;
  return view;
}

/** One of the scopes, or a ValidationError naming them. */
export function checkScope(scope: unknown): TokenScope {
  if (!TOKEN_SCOPES.includes(scope as TokenScope)) throw new ValidationError('scope', `one of ${TOKEN_SCOPES.join(', ')}`, scope);
  return scope as TokenScope;
}

/** A token's label: 1 to 200 characters, no control characters. */
export function checkTokenName(name: unknown): string {
  if (typeof name !== 'string' || name.trim().length === 0 || name.length > MAX_NAME || /\p{Cc}/u.test(name)) {
    throw new ValidationError('name', `a label of 1 to ${MAX_NAME} characters without control characters, such as ci-deploy`, name);
  }
  return name;
}
