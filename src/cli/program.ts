/**
 * The `clever-sync` command line. Every command uses the Functions app's configuration and
 * composition root; `runCli` returns the exit code instead of exiting so tests can drive it.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { RawSettings } from '../config/index.js';
import { AppError } from '../errors.js';
import { redactText } from '../telemetry/index.js';
import type { CliEnvironment, OpenCliOptions } from './context.js';
import { type CliIo, EXIT, type ExitCode } from './output.js';
import type { LoadLineFormatter } from './terminal-log.js';

/**
 * Commands load their modules when they run: the composition root pulls in Prisma, the Azure SDKs
 * and the emulator, which `--help` or `emulator` do not need.
 */
const load = {
  context: () => import('./context.js'),
  sync: () => import('./commands/sync.js'),
  runs: () => import('./commands/runs.js'),
  health: () => import('./commands/health.js'),
  db: () => import('./commands/db.js'),
  serve: () => import('./commands/serve.js'),
  emulator: () => import('./commands/emulator.js'),
  demo: () => import('./commands/demo.js'),
  terminalLog: () => import('./terminal-log.js'),
};

const DEFAULT_LOCAL_SETTINGS = 'local.settings.json';

export interface RunCliOptions {
  io: CliIo;
  env: RawSettings;
  /** Long-running commands (serve) resolve when this signal fires. */
  stopSignal?: Promise<void>;
  /** Turns JSON log lines into human ones on a terminal (default: pino-pretty; tests inject one). */
  loadLogFormatter?: LoadLineFormatter;
  /** Extra options for the embedded emulator (tests use a small district). */
  emulatorOptions?: OpenCliOptions['emulatorOptions'];
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10_000)
    throw new InvalidArgumentError('expected an integer from 1 to 10000');
  return n;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new InvalidArgumentError('expected a port from 0 to 65535');
  return n;
}

export async function runCli(argv: string[], options: RunCliOptions): Promise<ExitCode> {
  const { io } = options;
  let exitCode: ExitCode = EXIT.ok;
  const program = new Command('clever-sync')
    .description('Sync Clever rostering into SQL: the same jobs as the Azure Functions app, from a terminal.')
    .option(
      '--settings <path>',
      'local.settings.json to read (as Functions Core Tools does)',
      DEFAULT_LOCAL_SETTINGS,
    )
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });

  const environment = (): CliEnvironment => ({
    env: { ...options.env },
    localSettingsPath: program.opts<{ settings: string }>().settings,
  });
  // Logs go to stderr: human-readable on a terminal, JSON for pipes, files and --json.
  const logsTo = async (json: boolean | undefined, stream: CliIo['stderr'] = io.stderr) => {
    const { cliLogDestination } = await load.terminalLog();
    return cliLogDestination(stream, {
      json: json ?? false,
      ...(options.loadLogFormatter ? { loadFormatter: options.loadLogFormatter } : {}),
    });
  };
  const withEmulator = async (
    choice: boolean | undefined,
    json: boolean | undefined,
  ): Promise<OpenCliOptions> => ({
    ...environment(),
    logDestination: await logsTo(json),
    emulator: choice === true ? 'always' : choice === false ? 'never' : 'auto',
    ...(options.emulatorOptions ? { emulatorOptions: options.emulatorOptions } : {}),
  });

  program
    .command('sync')
    .description('Run a sync now (every district, one district or one school) and print what it did')
    .option('--district <id>', 'internal district id or Clever district id')
    .option('--school <id>', 'internal school id or Clever school id')
    .option('--full', 'full sync even where an incremental one is possible', false)
    .option('--dry-run', 'compute creates/updates/archives/restores without writing', false)
    .option('--force', 'archive even when the mass-archive guard would hold the run', false)
    .option('--json', 'print the result as JSON (for scripts)', false)
    .addOption(
      new Option(
        '--emulator',
        'sync the built-in Clever emulator (default when no Clever credentials are set)',
      ),
    )
    .addOption(new Option('--no-emulator', 'never fall back to the built-in emulator'))
    .action(async (opts) => {
      const [{ openCliServices }, { runSync }] = await Promise.all([load.context(), load.sync()]);
      const services = await openCliServices(await withEmulator(opts.emulator, opts.json));
      try {
        exitCode = (await runSync(services, opts, io)).exitCode;
      } finally {
        await services.close();
      }
    });

  program
    .command('runs')
    .description('List recent sync runs, or show one')
    .option('--last <n>', 'how many runs', positiveInt, 20)
    .option('--id <runId>', 'show this run (status, progress, counts, per-school summary)')
    .option('--nightly', 'only the runs the nightly timer started', false)
    .option('--json', 'print JSON', false)
    .action(async (opts) => {
      const [{ openCliReader }, { runRuns }] = await Promise.all([load.context(), load.runs()]);
      const reader = await openCliReader(await withEmulator(false, opts.json));
      try {
        exitCode = await runRuns(reader, opts, io);
      } finally {
        await reader.close();
      }
    });

  program
    .command('health')
    .description(
      'Check Clever authentication, Key Vault and SessionDb now (exit 0 healthy, 2 degraded, 1 unhealthy)',
    )
    .option('--json', 'print JSON', false)
    .addOption(new Option('--emulator', 'check against the built-in emulator'))
    .addOption(new Option('--no-emulator', 'never fall back to the built-in emulator'))
    .action(async (opts) => {
      const [{ openCliReader }, { runHealth }] = await Promise.all([load.context(), load.health()]);
      const reader = await openCliReader(await withEmulator(opts.emulator, opts.json));
      try {
        exitCode = await runHealth(reader, opts, io);
      } finally {
        await reader.close();
      }
    });

  const db = program.command('db').description('Database maintenance');
  db.command('migrate')
    .description('Apply pending migrations to the SessionDb and every school database it lists')
    .option('--session-only', 'migrate only the SessionDb', false)
    .option(
      '--school <id>',
      "migrate only this school's database: internal id, or Clever school id (also one SessionDb does not list yet)",
    )
    .option('--json', 'print JSON', false)
    .action(async (opts) => {
      const [{ openCliApp }, { runDbMigrate }] = await Promise.all([load.context(), load.db()]);
      const cli = await openCliApp(await withEmulator(false, opts.json));
      try {
        exitCode = await runDbMigrate(cli.app, opts, io);
      } finally {
        await cli.close();
      }
    });

  program
    .command('serve')
    .description('Host the Functions app on localhost (same routes and auth levels, no Core Tools needed)')
    .option('-p, --port <port>', 'port (0 = any free port)', port, 7071)
    .addOption(new Option('--emulator', 'use the built-in emulator'))
    .addOption(new Option('--no-emulator', 'never fall back to the built-in emulator'))
    .action(async (opts) => {
      const { serveBanner, startServe } = await load.serve();
      // Function modules read process.env (as in the Functions host): serve fills the real one.
      const handle = await startServe({
        ...(await withEmulator(opts.emulator, false)),
        // The served functions log where the Functions host's would: stdout, beside the banner.
        logDestination: await logsTo(false, io.stdout),
        env: options.env,
        port: opts.port,
      });
      io.stdout.write(`${serveBanner(handle)}\n`);
      await (options.stopSignal ?? new Promise<void>(() => {}));
      await handle.close();
    });

  program
    .command('emulator')
    .description('Start the built-in Clever emulator (options: clever-sync emulator --help)')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[options...]')
    .action(async (args: string[]) => {
      const { runEmulatorCommand } = await load.emulator();
      exitCode = (await runEmulatorCommand(args)) === 0 ? EXIT.ok : EXIT.failure;
    });

  program
    .command('demo')
    .description('The quickstart: full sync of the emulator, some changes, an incremental sync, a check')
    .option('--json', 'print JSON', false)
    .action(async (opts) => {
      const { runDemo } = await load.demo();
      exitCode = await runDemo(
        {
          ...environment(),
          json: opts.json,
          logDestination: await logsTo(opts.json),
          ...(options.emulatorOptions ? { emulatorOptions: options.emulatorOptions } : {}),
        },
        io,
      );
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.failure;
    }
    io.stderr.write(`clever-sync: ${describe(error)}\n`);
    return EXIT.failure;
  }
}

/** What a person needs to fix the problem; AppError messages are safe, anything else is redacted. */
function describe(error: unknown): string {
  if (error instanceof AppError) return error.message;
  if (error instanceof Error) return redactText(`${error.name}: ${error.message}`);
  return redactText(String(error));
}
