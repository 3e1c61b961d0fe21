/**
 * The tokens entity of the Store contract: API credentials for the HTTP server. Only a
 * token's hash is stored; the client makes, hashes and compares tokens (client/tokens.ts).
 */
import type { TokenRecord, TokenScope } from '../../core/types.js';

export interface TokenStore {
  /**
   * Stores a new token's id, name, scope and hash; `createdAt = now`. `id` and `name` are
   * 1 to 200 characters without NUL, `hash` a SHA-256 in lowercase hex (a ValidationError
   * names the field otherwise); an id already taken is a ConflictError.
   */
  tokenCreate(params: { readonly id: string; readonly name: string | null; readonly scope: TokenScope; readonly hash: string }): Promise<TokenRecord>;

  /** One token by id (revoked ones too), or null. */
  tokenGet(params: { readonly id: string }): Promise<TokenRecord | null>;

  /** Every token, revoked ones too, oldest first. */
  tokenList(): Promise<TokenRecord[]>;

  /** Sets `revokedAt = now`. False if there is no such token or it was already revoked. */
  tokenRevoke(params: { readonly id: string }): Promise<boolean>;
}
