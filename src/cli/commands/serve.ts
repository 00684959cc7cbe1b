import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { EmulatorHandle } from '../../../emulator/index.js';
import { startEmulator } from '../../../emulator/index.js';
import { resetAppServices, resetSyncServices } from '../../app.js';
import { loadConfigSync, readLocalSettings } from '../../config/index.js';
import { registeredFunctions, routePath } from '../../functions/index.js';
import { createLogger } from '../../telemetry/index.js';
import { type CliEnvironment, cleverIsConfigured, cliSettings, type EmulatorChoice } from '../context.js';
import { type LocalRunner, startLocalRunner } from '../local-runner.js';

export interface ServeOptions extends CliEnvironment {
  port: number;
  host?: string;
  emulator?: EmulatorChoice;
  emulatorOptions?: Parameters<typeof startEmulator>[0];
}

export interface ServeHandle {
  runner: LocalRunner;
  /** The function key the runner accepts (LOCAL_FUNCTION_KEY or generated for this run). */
  functionKey: string;
  /**
   * Where the user set the key (e.g. `the LOCAL_FUNCTION_KEY environment variable`), or null when it
   * was generated for this session: only a generated key is ever printed.
   */
  functionKeyOrigin: string | null;
  emulator: EmulatorHandle | undefined;
  close(): Promise<void>;
}

/**
 * `npm run serve`: the Functions app on localhost without Core Tools. Like Core Tools it puts
 * local.settings.json Values into the environment the function modules read, then loads every
 * module under src/functions so exactly the registered functions are served.
 */
export async function startServe(options: ServeOptions): Promise<ServeHandle> {
  const choice = options.emulator ?? 'auto';
  const useEmulator = choice === 'always' || (choice === 'auto' && !cleverIsConfigured(options));
  const emulator = useEmulator ? await startEmulator(options.emulatorOptions ?? {}) : undefined;
  try {
    const localSettings = readLocalSettings(options.localSettingsPath);
    // Read before the settings are merged into the environment below.
    const functionKeyOrigin = options.env.LOCAL_FUNCTION_KEY
      ? 'the LOCAL_FUNCTION_KEY environment variable'
      : localSettings.LOCAL_FUNCTION_KEY
        ? `LOCAL_FUNCTION_KEY in ${options.localSettingsPath}`
        : null;
    const settings = { ...localSettings, ...cliSettings(options, emulator, { quiet: false }) };
    for (const [key, value] of Object.entries(settings)) {
      if (value !== undefined) options.env[key] = value;
    }
    const config = loadConfigSync(options.env);
    const functionKey = config.localRunner.functionKey ?? randomBytes(24).toString('base64url');
    await loadFunctionModules();
    const runner = await startLocalRunner({
      functions: registeredFunctions(),
      functionKey,
      port: options.port,
      host: options.host ?? '127.0.0.1',
      logger: createLogger({ level: config.telemetry.logLevel }),
    });
    return {
      runner,
      functionKey,
      functionKeyOrigin,
      emulator,
      async close() {
        await runner.close();
        await resetSyncServices();
        await resetAppServices();
        await emulator?.stop();
      },
    };
  } catch (error) {
    await emulator?.stop().catch(() => undefined);
    throw error;
  }
}

/** Imports every function module (src/functions/*.ts under tsx, dist/src/functions/*.js when built). */
export async function loadFunctionModules(): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  const directory = join(here, '..', '..', 'functions');
  const modules = readdirSync(directory).filter((name) => /\.(js|ts)$/.test(name) && !name.endsWith('.d.ts'));
  for (const name of modules.sort()) await import(pathToFileURL(join(directory, name)).href);
}

/**
 * A key the user chose is theirs to know: the banner names where it is set and never prints it
 * (a terminal, a CI log or a screen share would otherwise show a key that may be used elsewhere).
 */
function functionKeyLines(handle: ServeHandle): string[] {
  if (handle.functionKeyOrigin !== null)
    return [`Function key: the key you set in ${handle.functionKeyOrigin}`];
  return [
    `Function key for this session: ${handle.functionKey}`,
    '  (send it as the x-functions-key header or ?code=; set LOCAL_FUNCTION_KEY to choose it)',
  ];
}

export function serveBanner(handle: ServeHandle): string {
  const { runner, emulator } = handle;
  const routes = registeredFunctions().map((fn) => {
    if (fn.kind === 'http') {
      const methods = (fn.options.methods ?? ['ANY']).join(',');
      return `  ${methods.padEnd(5)} ${runner.url}${routePath(fn.options.route ?? fn.name)}  (${fn.options.authLevel ?? 'function'}, ${fn.name})`;
    }
    return `  POST  ${runner.url}/admin/functions/${fn.name}  (runs the ${fn.kind} function now)`;
  });
  return [
    `clever-sync functions on ${runner.url}`,
    ...routes,
    '',
    ...functionKeyLines(handle),
    ...(emulator
      ? ['', `Clever: the built-in emulator at ${emulator.baseUrl} (no credentials configured)`]
      : []),
    '',
    'Try:',
    `  curl -X POST -H "x-functions-key: $KEY" "${runner.url}/api/sync?dryRun=true"`,
    `  curl -H "x-functions-key: $KEY" "${runner.url}/api/sync/runs/<runId>"`,
    'Ctrl-C stops it.',
  ].join('\n');
}
