/**
 * Joins concurrent calls into one: a call made while another is under way waits for it, then
 * goes out together with every call that arrived meanwhile, as one batch. The first call goes
 * at once (a lone caller waits for nothing), and under concurrency each round trip (and each
 * commit, with its flush to disk) serves many callers instead of one.
 *
 * A joint batch that the database refused (it wrote none of it) is retried call by call, so
 * one caller's bad input fails that caller alone, with its own error; the others are written
 * as if each had gone alone. A failure whose outcome is unknown (the connection dropped: the
 * batch may have been written) fails every call of it, as it would a call that went alone.
 */
interface Waiting<I, O> {
  items: readonly I[];
  resolve(results: O[]): void;
  reject(err: unknown): void;
}

export class Coalescer<I, O> {
  private waiting: Waiting<I, O>[] = [];
  private busy = false;

  /**
   * @param write writes one batch, answering one result per item, in order.
   * @param maxItems the most items one joint batch takes (a call larger than this goes alone).
   * @param refused whether an error says the batch was not written at all (safe to retry).
   */
  constructor(
    private readonly write: (items: readonly I[]) => Promise<O[]>,
    private readonly maxItems: number,
    private readonly refused: (err: unknown) => boolean,
  ) {}

  run(items: readonly I[]): Promise<O[]> {
    return new Promise<O[]>((resolve, reject) => {
      this.waiting.push({ items, resolve, reject });
      if (!this.busy) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.busy = true;
    try {
      while (this.waiting.length > 0) await this.writeJointly(this.take());
    } finally {
      this.busy = false;
    }
  }

  /** The calls of the next batch: at least one, then as many as fit in `maxItems`. */
  private take(): Waiting<I, O>[] {
    let count = this.waiting[0]!.items.length;
    let n = 1;
    while (n < this.waiting.length && count + this.waiting[n]!.items.length <= this.maxItems) count += this.waiting[n++]!.items.length;
    return this.waiting.splice(0, n);
  }

  private async writeJointly(calls: Waiting<I, O>[]): Promise<void> {
    if (calls.length === 1) return this.writeAlone(calls[0]!);
    let results: O[];
    try {
      results = await this.write(calls.flatMap((call) => call.items));
    } catch (err) {
      if (!this.refused(err)) {
        for (const call of calls) call.reject(err);
        return;
      }
      // Which call's items were refused is not known: each goes again on its own.
      for (const call of calls) await this.writeAlone(call);
      return;
    }
    let offset = 0;
    for (const call of calls) {
      call.resolve(results.slice(offset, offset + call.items.length));
      offset += call.items.length;
    }
  }

  private async writeAlone(call: Waiting<I, O>): Promise<void> {
    try {
      call.resolve(await this.write(call.items));
    } catch (err) {
      call.reject(err);
    }
  }
}
