/**
 * What both engines check of an API token before storing it, so they refuse the same input
 * the same way: an id and an optional name of plain text, a known scope, and a hash that is a
 * SHA-256 in hex, so a token itself can never be stored by mistake.
 */
import { ConflictError, ValidationError } from '../core/errors.js';
import { TOKEN_SCOPES, type TokenScope } from '../core/types.js';

/** Longest token id and name. */
export const MAX_TOKEN_TEXT_LENGTH = 200;

/** A new token's fields, as `tokenCreate` takes them. */
export interface NewToken {
  readonly id: string;
  readonly name: string | null;
  readonly scope: TokenScope;
  readonly hash: string;
}

/** The fields of a new token, each checked; a ValidationError names the first that is wrong. */
export function checkNewToken(token: NewToken): NewToken {
  const { id, name, scope, hash } = token;
  checkText(id, 'id');
  if (name !== null) checkText(name, 'name');
  if (!TOKEN_SCOPES.includes(scope)) throw new ValidationError('scope', `one of ${TOKEN_SCOPES.join(', ')}`, scope);
  if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) throw new ValidationError('hash', 'a SHA-256 hash: 64 lowercase hex digits', hash);
  return { id, name, scope, hash };
}

function checkText(value: unknown, field: string): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TOKEN_TEXT_LENGTH || value.includes('\0')) {
    throw new ValidationError(field, `a string of 1 to ${MAX_TOKEN_TEXT_LENGTH} characters without NUL`, value);
  }
}

/** What creating a token whose id is taken throws. */
export function tokenExists(id: string): ConflictError {
  return new ConflictError(`a token with id ${JSON.stringify(id)} already exists; create it with another id`, { details: { id } });
}

/** True when `id` could be a stored token's id (others, NUL included, match none). */
export function isTokenId(id: unknown): id is string {
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_TOKEN_TEXT_LENGTH && !id.includes('\0');
}
