/**
 * The leaders entity of the Store contract: one leader per role (the maintenance services
 * run only where it is held), with a term that tells leaderships apart.
 */

export interface LeaderStore {
  /**
   * Tries to take or keep leadership of role `name` for `holderId`, for `ttlMs`. Returns the
   * role's `term` while `holderId` is the leader, else null. The term increases every time
   * leadership changes hands (kept in the `leaders` row), so writes of a deposed leader can
   * be told apart. Call it again well within `ttlMs` to keep it.
   * Postgres holds a session advisory lock (failover as soon as the holder's connection
   * dies); SQLite a lease row (failover when the lease expires). Correctness never depends
   * on it: it only saves duplicate work.
   */
  leaderElect(params: { readonly name: string; readonly holderId: string; readonly ttlMs: number }): Promise<{ term: number } | null>;

  /** Gives leadership up at once, if held. */
  leaderResign(params: { readonly name: string; readonly holderId: string }): Promise<void>;
}
