import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { EMULATOR_DEFAULTS, type EmulatorOptions, startEmulator } from './index.js';

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

function fraction(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('expected a number from 0 to 1');
  return n;
}

/** --burst-rate-limit 200/10: 200 requests per 10-second window. */
function burst(value: string): EmulatorOptions['burstRateLimit'] {
  const match = /^(\d+)\/(\d+)$/.exec(value);
  if (!match) throw new InvalidArgumentError('expected <requests>/<seconds>, e.g. 200/10');
  return { requests: Number(match[1]), windowSeconds: Number(match[2]) };
}

/** --faults takes inline JSON or @path/to/file.json. */
function faults(value: string): EmulatorOptions['faults'] {
  try {
    return JSON.parse(value.startsWith('@') ? readFileSync(value.slice(1), 'utf8') : value);
  } catch (error) {
    throw new InvalidArgumentError(`not valid JSON (${(error as Error).message})`);
  }
}

const program = new Command('clever-emulator')
  .description(
    'A local Clever (Data API v3.0/v3.1 + district token discovery) for demos, tests and rehearsals.',
  )
  .option('-p, --port <port>', 'port (0 = any free port)', integer, 0)
  .option('--host <host>', 'listen address', '127.0.0.1')
  .option('--seed <seed>', 'seed of all generated data', EMULATOR_DEFAULTS.seed)
  .option('--districts <n>', 'number of districts', integer, EMULATOR_DEFAULTS.districts)
  .option('--schools <n>', 'schools per district', integer, EMULATOR_DEFAULTS.schoolsPerDistrict)
  .option('--students <n>', 'students per school', integer, EMULATOR_DEFAULTS.studentsPerSchool)
  .option('--teachers <n>', 'teachers per school', integer, EMULATOR_DEFAULTS.teachersPerSchool)
  .option('--staff <n>', 'staff per school', integer, EMULATOR_DEFAULTS.staffPerSchool)
  .option(
    '--multi-school-share <share>',
    'share of users in more than one school',
    fraction,
    EMULATOR_DEFAULTS.multiSchoolShare,
  )
  .option(
    '--multi-role-share <share>',
    'share of teachers who are also students and of staff who also teach',
    fraction,
    EMULATOR_DEFAULTS.multiRoleShare,
  )
  .option('--nulls', 'send null for absent nullable fields, as real Clever does', false)
  .option(
    '--early-learning',
    'every fourth school an early learning center (InfantToddler, Preschool)',
    false,
  )
  .option('--no-sections', 'generate no sections, courses or terms (only admin-created sections)')
  .option(
    '--no-sections-scope',
    'tokens without read:sections: section, course and term routes answer 403, /events leaves them out',
  )
  .option('--rate-limit <n>', 'requests per token per minute', integer, EMULATOR_DEFAULTS.rateLimitPerMinute)
  .option(
    '--burst-rate-limit <requests/seconds>',
    'a second, shorter per-token window (headers then carry two comma-separated values)',
    burst,
  )
  .option('--event-retention-days <days>', 'event retention', integer, 30)
  .option('--no-events', 'answer /events with 403 (events not enabled)')
  .option('--client-id <id>', 'client id for /oauth/tokens', EMULATOR_DEFAULTS.clientId)
  .option('--client-secret <secret>', 'client secret for /oauth/tokens', EMULATOR_DEFAULTS.clientSecret)
  .option(
    '--client-credentials-ttl <seconds>',
    'enable POST /oauth/tokens client_credentials with this lifetime',
    integer,
  )
  .option('--admin', 'serve the admin API under /__admin', false)
  .option('--faults <json|@file>', 'fault rules (JSON array or {seed, rules})', faults);

async function main(): Promise<void> {
  const o = program.parse().opts();
  const emulator = await startEmulator({
    port: o.port,
    host: o.host,
    seed: o.seed,
    districts: o.districts,
    schoolsPerDistrict: o.schools,
    studentsPerSchool: o.students,
    teachersPerSchool: o.teachers,
    staffPerSchool: o.staff,
    multiSchoolShare: o.multiSchoolShare,
    multiRoleShare: o.multiRoleShare,
    sendNulls: o.nulls,
    earlyLearningSchools: o.earlyLearning,
    sections: o.sections,
    sectionsScope: o.sectionsScope,
    rateLimitPerMinute: o.rateLimit,
    burstRateLimit: o.burstRateLimit,
    eventRetentionMs: o.eventRetentionDays * 24 * 3600 * 1000,
    eventsEnabled: o.events,
    clientId: o.clientId,
    clientSecret: o.clientSecret,
    clientCredentialsTtlSeconds: o.clientCredentialsTtl,
    adminHttp: o.admin,
    faults: o.faults,
  });
  const lines = [
    `Clever emulator listening on ${emulator.baseUrl}`,
    '',
    `  API base URL   ${emulator.baseUrl}   (Data API at ${emulator.apiUrl})`,
    `  Tokens URL     ${emulator.tokensUrl}`,
    `  Client id      ${emulator.clientId}`,
    `  Client secret  ${emulator.clientSecret}   (demo credentials, not a real secret)`,
    `  Districts      ${emulator.districts.map((d) => `${d.id} (${d.name})`).join('\n                 ')}`,
    `  Admin API      ${o.admin ? `${emulator.baseUrl}/__admin` : 'off (start with --admin)'}`,
    '',
    'Point clever-sync at it:',
    `  CLEVER_API_BASE_URL=${emulator.baseUrl}`,
    `  CLEVER_TOKENS_URL=${emulator.tokensUrl}`,
    `  CLEVER_CLIENT_ID=${emulator.clientId}`,
    `  CLEVER_CLIENT_SECRET=${emulator.clientSecret}`,
    '',
    'Try it:',
    `  curl -u ${emulator.clientId}:${emulator.clientSecret} '${emulator.tokensUrl}?owner_type=district'`,
    `  curl -H "Authorization: Bearer <access_token>" '${emulator.apiUrl}/schools'`,
    '',
    'Docs: docs/emulator.md. Ctrl-C stops it.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const stop = () => {
    emulator.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`clever-emulator: ${(error as Error).message}\n`);
  process.exit(1);
});
