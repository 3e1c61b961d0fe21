/**
 * Bearer tokens: every API route needs a token whose scope allows it (`read` < `write` <
 * `admin`); health and readiness need none. A token is verified by the client (which
 * compares hashes in constant time) and the answer kept for a few seconds under the
 * token's SHA-256, so a busy caller costs one database read per few seconds, not one per
 * request. A revocation therefore takes effect within `cacheMs` (at once on the server that
 * revoked it). The token itself is never logged or kept.
 */
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { scopeAllows } from '../api/routes.js';
import { AccessError } from '../core/errors.js';
import type { TokenScope } from '../core/types.js';
import type { ServerClient, VerifiedToken } from './client.js';

export type AuthMode = 'tokens' | 'none';

/**
 * Who made a request, as far as the server knows: the token's id, name and scope; without
 * tokens (development on loopback) anyone is `admin` with no id or name.
 */
export interface Caller {
  auth: AuthMode;
  scope: TokenScope;
  id: string | null;
  name: string | null;
}

/** The caller of every request to a server without tokens. */
const LOCAL_CALLER: Caller = Object.freeze({ auth: 'none', scope: 'admin', id: null, name: null });

/** Tokens remembered at most: enough for every real caller, bounded against a flood of made-up ones. */
const MAX_CACHED = 10_000;
/** Longer than any token Ordo makes; a longer header is refused without a lookup. */
const MAX_TOKEN_LENGTH = 512;
const BEARER = /^Bearer +([\x21-\x7e]+) *$/i;

interface Cached {
  token: VerifiedToken | null;
  until: number;
}

export class Authenticator {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly client: ServerClient,
    readonly mode: AuthMode,
    private readonly cacheMs: number,
  ) {}

  /** The caller, or an AccessError unless the request carries a valid token whose scope allows `needs`. */
  async require(request: FastifyRequest, needs: TokenScope): Promise<Caller> {
    if (this.mode === 'none') return LOCAL_CALLER;
    const header = request.headers.authorization;
    if (!header) throw new AccessError('unauthorized', `this endpoint needs a bearer token with scope ${needs} (Authorization: Bearer <token>); create one with: ordo tokens create --scope ${needs}`, { needs });
    const match = BEARER.exec(header);
    const token = match && match[1]!.length <= MAX_TOKEN_LENGTH ? await this.verify(match[1]!) : null;
    if (!token) throw new AccessError('unauthorized', 'the bearer token is not valid (unknown, revoked or malformed); create one with: ordo tokens create', { needs });
    if (!scopeAllows(token.scope, needs)) {
      throw new AccessError('forbidden', `this endpoint needs a token with scope ${needs}; this token has scope ${token.scope}`, { needs, has: token.scope });
    }
    return { auth: 'tokens', scope: token.scope, id: token.id, name: token.name };
  }

  /** Forgets every verified token, so a revocation made here takes effect at once. */
  forget(): void {
    this.cache.clear();
  }

  private async verify(token: string): Promise<VerifiedToken | null> {
    const key = createHash('sha256').update(token).digest('hex');
    const now = Date.now();
    const cached = this.cache.get(key);
    if (cached && cached.until > now) return cached.token;
    const verified = await this.client.tokens.verify(token);
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(key, { token: verified ? { id: verified.id, name: verified.name, scope: verified.scope } : null, until: now + this.cacheMs });
    return verified;
  }
}
