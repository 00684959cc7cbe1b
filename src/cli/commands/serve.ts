import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { DestinationStream } from 'pino';
import type { EmulatorHandle } from '../../../emulator/index.js';
import { startEmulator } from '../../../emulator/index.js';
import { configureAppServices, resetAppServices, resetSyncServices } from '../../app.js';
import { loadConfigSync, readLocalSettings } from '../../config/index.js';
import { AppError } from '../../errors.js';
import { registeredFunctions, routePath } from '../../functions/index.js';
import { createLogger } from '../../telemetry/index.js';
import { type CliEnvironment, cleverIsConfigured, cliSettings, type EmulatorChoice } from '../context.js';
import { type LocalRunner, startLocalRunner } from '../local-runner.js';
import { describeTargets, formatTargets, type Targets } from '../targets.js';

export interface ServeOptions extends CliEnvironment {
  port: number;
  /** Where the served functions and the runner log (default: stdout, JSON). */
  logDestination?: DestinationStream;
  host?: string;
  emulator?: EmulatorChoice;
  emulatorOptions?: Parameters<typeof startEmulator>[0];
}

export type FunctionKeySource = 'generated' | 'environment' | 'local-settings';

export interface ServeHandle {
  runner: LocalRunner;
  /** The function key the runner accepts (LOCAL_FUNCTION_KEY or generated for this run). */
  functionKey: string;
  /**
   * Where the user set the key (e.g. `the LOCAL_FUNCTION_KEY environment variable`), or null when it
   * was generated for this session: only a generated key is ever printed.
   */
  functionKeyOrigin: string | null;
  functionKeySource: FunctionKeySource;
  emulator: EmulatorHandle | undefined;
  /** Which Clever and which databases the served functions use. */
  targets: Targets;
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
    const functionKeySource: FunctionKeySource = options.env.LOCAL_FUNCTION_KEY
      ? 'environment'
      : localSettings.LOCAL_FUNCTION_KEY
        ? 'local-settings'
        : 'generated';
    const functionKeyOrigin = {
      environment: 'the LOCAL_FUNCTION_KEY environment variable',
      'local-settings': `LOCAL_FUNCTION_KEY in ${options.localSettingsPath}`,
      generated: null,
    }[functionKeySource];
    const settings = { ...localSettings, ...cliSettings(options, emulator, { quiet: false }) };
    for (const [key, value] of Object.entries(settings)) {
      if (value !== undefined) options.env[key] = value;
    }
    const config = loadConfigSync(options.env);
    if (options.logDestination) configureAppServices({ logDestination: options.logDestination });
    const functionKey = config.localRunner.functionKey ?? randomBytes(24).toString('base64url');
    await loadFunctionModules();
    const host = options.host ?? '127.0.0.1';
    const runner = await startLocalRunner({
      functions: registeredFunctions(),
      functionKey,
      port: options.port,
      host,
      logger: createLogger({
        level: config.telemetry.logLevel,
        ...(options.logDestination ? { destination: options.logDestination } : {}),
      }),
    }).catch((error: unknown) => {
      throw portInUse(error) ? portInUseError(host, options.port) : error;
    });
    return {
      runner,
      functionKey,
      functionKeyOrigin,
      functionKeySource,
      emulator,
      targets: describeTargets(config, emulator),
      async close() {
        await runner.close();
        await resetSyncServices();
        await resetAppServices();
        configureAppServices({});
        await emulator?.stop();
      },
    };
  } catch (error) {
    await emulator?.stop().catch(() => undefined);
    throw error;
  }
}

function portInUse(error: unknown): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
}

/** Another `npm run serve` or `func start` holds the port: say so and how to pick another. */
function portInUseError(host: string, port: number): AppError {
  return new AppError(
    'CONFIG_INVALID',
    `Port ${port} on ${host} is already in use (another \`npm run serve\` or \`func start\`?): ` +
      'stop it, or pick another port with --port <n> (--port 0 takes any free port)',
    { details: { port } },
  );
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
 * Either way it says how to put the key in `$KEY`, which the examples (and docs/manual-sync.md) use.
 */
function functionKeyLines(handle: ServeHandle): string[] {
  const usage = '  (send it as the x-functions-key header or ?code=; it also opens the admin routes)';
  if (handle.functionKeySource === 'generated') {
    return [
      `Function key for this session: ${handle.functionKey}`,
      usage,
      '  (set LOCAL_FUNCTION_KEY, 16+ characters, to choose it)',
    ];
  }
  return [
    `Function key: the key you set in ${handle.functionKeyOrigin}`,
    usage,
    ...(handle.functionKeySource === 'environment'
      ? []
      : ['  (put it in KEY yourself: the banner never prints a key you chose)']),
  ];
}

/** Shell lines that set the variables every example uses. */
function variableLines(handle: ServeHandle): string[] {
  const key = {
    generated: handle.functionKey,
    environment: '"$LOCAL_FUNCTION_KEY"',
    'local-settings': '<the LOCAL_FUNCTION_KEY you set>',
  }[handle.functionKeySource];
  return [`  export APP=${handle.runner.url}`, `  export KEY=${key}`];
}

export function serveBanner(handle: ServeHandle): string {
  const { runner } = handle;
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
    '',
    formatTargets(handle.targets, ['clever', 'sessionDatabase', 'schoolDatabases']),
    '',
    'Try (docs/manual-sync.md has more):',
    ...variableLines(handle),
    '  curl -s -X POST -H "x-functions-key: $KEY" "$APP/api/sync?dryRun=true"',
    '  curl -s -H "x-functions-key: $KEY" "$APP/api/sync/runs/<runId from the answer>"',
    'Ctrl-C stops it.',
  ].join('\n');
}
