/**
 * Structured logs (pino). Every line is JSON with a `worker`, `jobId`, `traceId` or `requestId` field where
 * one applies; `ORDO_LOG_LEVEL` sets the level. A terminal gets short readable lines instead.
 *
 * Logging is best effort: a destination that fails (a closed pipe gives EPIPE, e.g. `ordo
 * worker 2>&1 | head`) must never take the process down with it. Its errors are swallowed
 * and later lines dropped, so a worker whose log reader went away keeps running its jobs.
 */
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

export type { Logger };

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'msg']);

/** Destinations already guarded, so many loggers on one stream add one listener. */
const guarded = new WeakSet<NodeJS.WritableStream>();

/**
 * Makes `out` safe to log to: an `error` event (EPIPE and the like, which Node emits
 * asynchronously and would otherwise throw as uncaught) is swallowed.
 */
function guard(out: NodeJS.WritableStream): void {
  if (guarded.has(out) || typeof out.on !== 'function') return;
  guarded.add(out);
  out.on('error', () => undefined);
}

/** True when nothing written to `out` can arrive any more. */
function broken(out: NodeJS.WritableStream): boolean {
  const stream = out as Partial<Writable>;
  return stream.destroyed === true || stream.writableEnded === true || stream.errored != null;
}

/** Writes to `out` unless it is broken; a write that throws is dropped. */
function safeWrite(out: NodeJS.WritableStream, text: string): void {
  if (broken(out)) return;
  try {
    out.write(text);
  } catch {
    // best effort: the line is lost, the process carries on
  }
}

/** pino's JSON lines passed through to `out`, dropped once `out` is broken. */
function jsonStream(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      safeWrite(out, chunk.toString('utf8'));
      done();
    },
  });
}

/** A stream that prints pino's JSON lines as `12:00:01 INFO message key=value`. */
function readableStream(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          const time = new Date(entry.time as number).toTimeString().slice(0, 8);
          const extras = Object.entries(entry)
            .filter(([key]) => !HIDDEN.has(key))
            .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
          safeWrite(out, `${time} ${(LEVEL_NAMES[entry.level as number] ?? 'INFO').padEnd(5)} ${String(entry.msg ?? '')}${extras.length ? `  ${extras.join(' ')}` : ''}\n`);
        } catch {
          safeWrite(out, `${line}\n`);
        }
      }
      done();
    },
  });
}

export interface LoggerOptions {
  level?: string;
  /** `json` for machines, `pretty` for people; default: pretty on a terminal. */
  format?: 'json' | 'pretty';
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? process.stderr;
  const level = options.level ?? process.env.ORDO_LOG_LEVEL ?? 'info';
  const format = options.format ?? (process.env.ORDO_LOG_FORMAT as 'json' | 'pretty' | undefined) ?? ((destination as { isTTY?: boolean }).isTTY ? 'pretty' : 'json');
  guard(destination);
  return pino({ level, base: undefined }, format === 'pretty' ? readableStream(destination) : jsonStream(destination));
}

/** A logger that drops everything (library default: the embedding app chooses). */
export const silentLogger: Logger = pino({ level: 'silent' });
