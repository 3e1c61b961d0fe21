/**
 * Structured logs (pino). Every line is JSON with a `worker`, `jobId` or `trace` field where
 * one applies; `ORDO_LOG_LEVEL` sets the level. A terminal gets short readable lines instead.
 */
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

export type { Logger };

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'msg']);

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
          out.write(`${time} ${(LEVEL_NAMES[entry.level as number] ?? 'INFO').padEnd(5)} ${String(entry.msg ?? '')}${extras.length ? `  ${extras.join(' ')}` : ''}\n`);
        } catch {
          out.write(`${line}\n`);
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
  return pino({ level, base: undefined }, format === 'pretty' ? readableStream(destination) : (destination as Writable));
}

/** A logger that drops everything (library default: the embedding app chooses). */
export const silentLogger: Logger = pino({ level: 'silent' });
