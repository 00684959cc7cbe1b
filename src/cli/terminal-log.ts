/**
 * Where the CLI's log lines go. On a terminal a person reads them, so each JSON line is turned
 * into a human one by pino-pretty (`prettyFactory`, its documented programmatic API) and written
 * over the progress line, which redraws on its next update. Pipes, files and `--json` keep the
 * JSON lines, as Application Insights and log tooling expect them.
 *
 * The line formatter is injected (tests pass their own); the default loads pino-pretty on demand
 * and, where it is not installed, says so once and keeps JSON.
 */
import type { DestinationStream } from 'pino';
import type { CliIo } from './output.js';

/** One serialized pino line in, the text to print out (undefined: print nothing). */
export type LineFormatter = (jsonLine: string) => string | undefined;
export type LoadLineFormatter = (options: { colorize: boolean }) => Promise<LineFormatter | undefined>;

/** ANSI: carriage return, then erase the line (the progress display's line, if one is drawn). */
export const CLEAR_LINE = '\r\x1b[K';

export const PRETTY_UNAVAILABLE =
  'clever-sync: log lines stay JSON (pino-pretty, which makes them readable on a terminal, is not installed)\n';

export async function cliLogDestination(
  stream: CliIo['stderr'],
  options: { json: boolean; loadFormatter?: LoadLineFormatter },
): Promise<DestinationStream> {
  // On a terminal every line first clears the progress line it would otherwise be appended to.
  const clear = stream.isTTY ? CLEAR_LINE : '';
  const json: DestinationStream = { write: (line: string) => void stream.write(`${clear}${line}`) };
  if (options.json || !stream.isTTY) return json;
  const format = await (options.loadFormatter ?? loadPinoPretty)({ colorize: true });
  if (!format) {
    stream.write(PRETTY_UNAVAILABLE);
    return json;
  }
  return {
    write(line: string) {
      const text = format(line);
      if (text) stream.write(`${CLEAR_LINE}${text.endsWith('\n') ? text : `${text}\n`}`);
    },
  };
}

/** The part of pino-pretty's API used here (its `index.d.ts`: `prettyFactory(options)`). */
interface PinoPrettyModule {
  prettyFactory?: (options: Record<string, unknown>) => (input: string) => string | undefined;
  default?: PinoPrettyModule;
}

/** pino-pretty when it is installed, else undefined. */
export async function loadPinoPretty(options: { colorize: boolean }): Promise<LineFormatter | undefined> {
  // A variable specifier: the build must not require the package where it is not installed.
  const specifier = 'pino-pretty';
  let loaded: PinoPrettyModule;
  try {
    loaded = (await import(specifier)) as PinoPrettyModule;
  } catch {
    return undefined;
  }
  const factory = loaded.prettyFactory ?? loaded.default?.prettyFactory;
  if (!factory) return undefined;
  return factory({
    colorize: options.colorize,
    translateTime: 'SYS:HH:MM:ss',
    // Every line has these; the message and the correlation fields (runId, schoolId) matter.
    ignore: 'pid,hostname,service',
    singleLine: true,
  });
}
