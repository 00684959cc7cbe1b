import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { sqlserverDriverConfig } from '../../src/db/sqlserver/driver-config.js';
import { literalString, loadTemplate } from './bicep.js';

const ROOT = resolve(import.meta.dirname, '../..');
const read = (path: string) => readFileSync(resolve(ROOT, path), 'utf8');

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  'working-directory'?: string;
}

interface Job {
  needs?: string | string[];
  if?: string;
  environment?: { name: string; url?: string } | string;
  permissions?: Record<string, string>;
  services?: Record<
    string,
    { image: string; ports?: string[]; options?: string; env?: Record<string, string> }
  >;
  env?: Record<string, string>;
  steps: Step[];
}

interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

/** Parses a workflow strictly: any YAML error or warning fails the test. */
function loadWorkflow(path: string): Workflow {
  const doc = parseDocument(read(path), { prettyErrors: true, uniqueKeys: true });
  expect(doc.errors.map(String), `${path} is not valid YAML`).toEqual([]);
  expect(doc.warnings.map(String)).toEqual([]);
  return doc.toJS({ maxAliasCount: 100 }) as Workflow;
}

/** `ALL_STEPS=(install generate ...)` in scripts/ci.sh, checked to have a step_<name> each. */
function ciSteps(): string[] {
  const script = read('scripts/ci.sh');
  const match = /^ALL_STEPS=\(([^)]*)\)/m.exec(script);
  expect(match, 'scripts/ci.sh defines ALL_STEPS').not.toBeNull();
  const steps = match![1]!.trim().split(/\s+/);
  for (const step of steps) expect(script).toMatch(new RegExp(`^step_${step}\\(\\)`, 'm'));
  return steps;
}

/** The commands .ci/run executes, with `bash scripts/ci.sh` expanded to one command per step. */
function ciRunCommands(): string[] {
  const commands = read('.ci/run')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /^bash scripts\//.test(line));
  return commands.flatMap((command) =>
    command === 'bash scripts/ci.sh' ? ciSteps().map((step) => `bash scripts/ci.sh ${step}`) : [command],
  );
}

const runCommands = (steps: Step[]) => steps.filter((s) => s.run).map((s) => s.run!.trim());
const stepUsing = (steps: Step[], action: string) => steps.findIndex((s) => s.uses?.split('@')[0] === action);
const stepRunning = (steps: Step[], text: string) => steps.findIndex((s) => s.run?.includes(text));

describe('scripts/ci.sh and .ci/run', () => {
  it('run install, generate, lint, typecheck, test and build, PostgreSQL first', () => {
    expect(ciSteps()).toEqual(['install', 'generate', 'lint', 'typecheck', 'test', 'build']);
    expect(ciRunCommands()[0]).toBe('bash scripts/ensure-postgres.sh');
  });
});

describe('.github/workflows/ci.yml', () => {
  const workflow = loadWorkflow('.github/workflows/ci.yml');
  // The job that mirrors .ci/run; the workflow's other jobs (SQL Server, Bicep) are checked in their own blocks below.
  const jobs = [workflow.jobs.ci!];

  it('runs on pull requests and pushes', () => {
    expect(Object.keys(workflow.on)).toEqual(expect.arrayContaining(['pull_request', 'push']));
    expect(workflow.permissions).toEqual({ contents: 'read' });
  });

  it('runs exactly the commands of .ci/run, in order, through scripts/ci.sh', () => {
    expect(jobs[0]).toBeDefined();
    expect(runCommands(jobs[0]!.steps)).toEqual(ciRunCommands());
  });

  it('has a PostgreSQL service container on 5432 with a health check, and caches npm', () => {
    const postgres = jobs[0]!.services?.postgres;
    expect(postgres?.image).toMatch(/^postgres:\d+/);
    expect(postgres?.ports).toContain('5432:5432');
    expect(postgres?.options).toContain('pg_isready');
    // The local cluster .ci/run starts trusts loopback connections; the container must too.
    expect(postgres?.env?.POSTGRES_HOST_AUTH_METHOD).toBe('trust');
    const setupNode = jobs[0]!.steps[stepUsing(jobs[0]!.steps, 'actions/setup-node')];
    expect(setupNode?.with?.cache).toBe('npm');
  });
});

describe('.github/workflows/ci.yml: the SQL Server job', () => {
  const workflow = loadWorkflow('.github/workflows/ci.yml');
  const job = workflow.jobs.sqlserver!;
  const service = job?.services?.sqlserver;
  const steps = job?.steps ?? [];
  const url = job?.env?.TEST_SQLSERVER_URL ?? '';
  const password = service?.env?.MSSQL_SA_PASSWORD ?? '';

  it('runs SQL Server 2022 in a health-checked service container on 1433', () => {
    expect(service?.image).toBe('mcr.microsoft.com/mssql/server:2022-latest');
    expect(service?.ports).toContain('1433:1433');
    expect(service?.env?.ACCEPT_EULA).toBe('Y');
    expect(service?.options).toMatch(/--health-cmd "[^"]*sqlcmd [^"]*-P \$MSSQL_SA_PASSWORD[^"]*SELECT 1/);
    expect(service?.options).toMatch(/--health-retries \d+/);
    // SQL Server's password policy (upper, lower, digit, symbol), and no literal secret in the repository.
    expect(password).toMatch(/\$\{\{ github\.run_id \}\}/);
    expect(password.replace(/\$\{\{[^}]*\}\}/g, '1')).toMatch(
      /^(?=.*[A-Z])(?=.*[a-z])(?=.*\d)(?=.*[^A-Za-z0-9]).{8,}$/,
    );
  });

  it('wires TEST_SQLSERVER_URL to that server, in the format the app reads', () => {
    const config = sqlserverDriverConfig(url, { poolMax: 1, idleTimeoutMs: 1_000, requestTimeoutMs: 1_000 });
    expect(config).toMatchObject({
      server: 'localhost',
      port: 1433,
      database: 'clever_sync_test',
      user: 'sa',
      password,
      options: { encrypt: true, trustServerCertificate: true },
    });
    // The suites read exactly this variable (test/support/sqlserver.ts).
    expect(read('test/support/sqlserver.ts')).toContain('process.env.TEST_SQLSERVER_URL');
    expect(job.env?.CI).toBe('true');
    // CI=true makes the suites' PostgreSQL tests mandatory: the job has PostgreSQL too.
    expect(job.services?.postgres?.image).toMatch(/^postgres:\d+/);
    expect(job.services?.postgres?.env?.POSTGRES_HOST_AUTH_METHOD).toBe('trust');
  });

  it('creates the test database in the container, then runs the database and sync integration suites', () => {
    const install = stepRunning(steps, 'bash scripts/ci.sh install');
    const generate = stepRunning(steps, 'bash scripts/ci.sh generate');
    const create = stepRunning(steps, 'CREATE DATABASE clever_sync_test');
    const test = stepRunning(steps, 'npx vitest run test/db test/sync/integration');
    expect([install, generate, create, test].every((index) => index >= 0)).toBe(true);
    expect(install).toBeLessThan(generate);
    expect(generate).toBeLessThan(test);
    expect(create).toBeLessThan(test);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression in the workflow
    expect(steps[create]!.run).toContain('docker exec "${{ job.services.sqlserver.id }}"');
    expect(steps[create]!.run).toMatch(/sqlcmd .*-U sa -P "\$SQLSERVER_SA_PASSWORD"/s);
    expect(job.env?.SQLSERVER_SA_PASSWORD).toBe(password);
    expect(stepRunning(steps, 'bash scripts/ensure-postgres.sh')).toBeLessThan(test);
    for (const suite of ['test/db', 'test/sync/integration'])
      expect(existsSync(resolve(ROOT, suite))).toBe(true);
    const setupNode = steps[stepUsing(steps, 'actions/setup-node')];
    expect(setupNode?.with?.cache).toBe('npm');
  });
});

describe('.github/workflows/deploy.yml', () => {
  const workflow = loadWorkflow('.github/workflows/deploy.yml');
  const { build, 'deploy-staging': staging, 'deploy-production': production } = workflow.jobs;
  const text = read('.github/workflows/deploy.yml');

  it('runs on a version tag or by hand', () => {
    expect(workflow.on.push).toEqual({ tags: ['v*'] });
    expect(workflow.on).toHaveProperty('workflow_dispatch');
  });

  it('builds once, running the same CI commands first, on the Node major Azure runs', () => {
    expect(build).toBeDefined();
    const commands = runCommands(build!.steps);
    expect(commands.slice(0, ciRunCommands().length)).toEqual(ciRunCommands());
    expect(build!.services?.postgres?.image).toMatch(/^postgres:/);
    const nodeVersion = build!.steps[stepUsing(build!.steps, 'actions/setup-node')]?.with?.['node-version'];
    const bicepNode = literalString(
      loadTemplate(resolve(ROOT, 'infra/main.bicep')).params.get('nodeVersion')?.value,
    );
    expect(String(nodeVersion)).toBe(bicepNode);
    expect(stepUsing(build!.steps, 'actions/upload-artifact')).toBeGreaterThan(
      stepRunning(build!.steps, 'ci.sh build'),
    );
    // The package holds production dependencies only.
    expect(commands.join('\n')).toContain('npm prune --omit=dev');
  });

  it('deploys to staging, then production behind its own environment', () => {
    expect(staging?.needs).toBe('build');
    expect(production?.needs).toEqual(expect.arrayContaining(['build', 'deploy-staging']));
    expect(staging?.environment).toMatchObject({ name: 'staging' });
    expect(production?.environment).toMatchObject({ name: 'production' });
    // The same steps in both environments (one list in the file, shared by a YAML alias).
    expect(production?.steps).toEqual(staging?.steps);
    expect({ ...production?.env, DEPLOY_ENVIRONMENT: 'x' }).toEqual({
      ...staging?.env,
      DEPLOY_ENVIRONMENT: 'x',
    });
  });

  for (const name of ['deploy-staging', 'deploy-production']) {
    it(`${name}: logs in with OIDC, migrates, deploys, then validates, in that order`, () => {
      const job = workflow.jobs[name]!;
      expect(job.permissions?.['id-token']).toBe('write');
      const steps = job.steps;
      const login = stepUsing(steps, 'azure/login');
      const migrate = stepRunning(steps, 'npx clever-sync db migrate');
      const deploy = stepUsing(steps, 'Azure/functions-action');
      const validate = stepRunning(steps, 'npm run validate:deployment');
      expect([login, migrate, deploy, validate].every((i) => i >= 0)).toBe(true);
      expect(login).toBeLessThan(migrate);
      expect(migrate).toBeLessThan(deploy);
      expect(deploy).toBeLessThan(validate);

      // OIDC: ids only, no stored credential of any kind.
      expect(Object.keys(steps[login]!.with ?? {}).sort()).toEqual([
        'client-id',
        'subscription-id',
        'tenant-id',
      ]);
      expect(steps[deploy]!.with).not.toHaveProperty('publish-profile');
      expect(steps[deploy]!.with?.package).toBe('release/clever-sync.zip');

      // Migrations run from the deployed package, before it goes live.
      expect(steps[migrate]!['working-directory']).toBe('release/app');

      // The firewall opening for migrations is always closed again.
      const close = steps.find((s) => s.run?.includes('firewall-rule delete'));
      expect(close?.if).toContain('always()');
    });
  }

  it('hands the function key to the validation only through the environment, masked', () => {
    const validate = staging!.steps[stepRunning(staging!.steps, 'npm run validate:deployment')]!;
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax in the workflow
    expect(validate.run).toContain('::add-mask::${FUNCTION_KEY}');
    expect(validate.run).toContain('export FUNCTION_KEY');
    expect(validate.run).not.toContain('--key');
    const mask = validate.run!.indexOf('::add-mask::');
    expect(mask).toBeLessThan(validate.run!.indexOf('npm run validate:deployment'));
  });

  it('migrates without access to the vault: only the SessionDb URL, masked', () => {
    const migrate = staging!.steps[stepRunning(staging!.steps, 'npx clever-sync db migrate')]!;
    // With KEY_VAULT_URL the CLI would read secrets as the deployment identity; it gets URLs only.
    const exported = /^\s*export (.+)$/m.exec(migrate.run!)?.[1]?.split(/\s+/);
    expect(exported?.sort()).toEqual(['SCHOOL_DATABASE_URL_TEMPLATE', 'SESSION_DATABASE_URL']);
    expect(Object.keys(migrate.env ?? {})).not.toContain('KEY_VAULT_URL');
    expect(Object.keys(staging!.env ?? {})).not.toContain('KEY_VAULT_URL');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax in the workflow
    expect(migrate.run).toContain('::add-mask::${SESSION_DATABASE_URL}');
  });

  it('uses no repository secrets and pins every action to a major version', () => {
    expect(text).not.toMatch(/\$\{\{\s*secrets\./);
    const all = [build!, staging!, production!].flatMap((job) => job.steps);
    for (const step of all.filter((s) => s.uses)) expect(step.uses).toMatch(/^[\w-]+\/[\w-]+@v\d+$/);
  });

  it('reads only GitHub variables that infra outputs or docs/deployment.md explains', () => {
    const used = [...new Set([...text.matchAll(/\bvars\.([A-Z_]+)/g)].map((m) => m[1]!))];
    const outputs = loadTemplate(resolve(ROOT, 'infra/main.bicep')).outputs;
    const docs = read('docs/deployment.md');
    for (const name of used) {
      expect(outputs.has(name) || docs.includes(`\`${name}\``), `${name} is explained`).toBe(true);
    }
    for (const name of ['AZURE_RESOURCE_GROUP', 'AZURE_FUNCTIONAPP_NAME', 'AZURE_SQL_SERVER_NAME']) {
      expect(outputs.has(name), `infra/main.bicep outputs ${name}`).toBe(true);
    }
  });
});

/** Required parameters of a parameter file that come from the environment (no default). */
function requiredEnvironment(file: string): string[] {
  const text = read(file);
  return [...text.matchAll(/readEnvironmentVariable\('([A-Z_]+)'\)/g)].map((m) => m[1]!);
}

const parameterFiles = readdirSync(resolve(ROOT, 'infra/parameters'))
  .filter((f) => f.endsWith('.bicepparam'))
  .map((f) => `infra/parameters/${f}`);

describe('.github/workflows/ci.yml: the Bicep templates compile with the real Bicep CLI', () => {
  const workflow = loadWorkflow('.github/workflows/ci.yml');
  const job = workflow.jobs.bicep;

  it('has a job of its own, beside the CI job', () => {
    expect(job).toBeDefined();
    expect(job?.needs).toBeUndefined();
    expect(stepUsing(job!.steps, 'actions/checkout')).toBe(0);
  });

  it('installs Bicep through az, then builds main.bicep and every parameter file', () => {
    const steps = job!.steps;
    const install = stepRunning(steps, 'az bicep install');
    const build = stepRunning(steps, 'az bicep build --file infra/main.bicep');
    const params = stepRunning(steps, 'az bicep build-params');
    expect([install, build, params].every((i) => i >= 0)).toBe(true);
    expect(install).toBeLessThan(build);
    expect(build).toBeLessThan(params);
    // Every parameter file: the loop covers the directory the tests read the files from.
    expect(steps[params]!.run).toContain('for file in infra/parameters/*.bicepparam');
    expect(parameterFiles.length).toBeGreaterThan(0);
  });

  it('sets the environment the parameter files require, with placeholders, and no Azure login or secret', () => {
    const required = [...new Set(parameterFiles.flatMap(requiredEnvironment))].sort();
    expect(required).toEqual(['SQL_ADMIN_GROUP_NAME', 'SQL_ADMIN_GROUP_OBJECT_ID']);
    expect(Object.keys(job!.env ?? {}).sort()).toEqual(required);
    expect(job!.env?.SQL_ADMIN_GROUP_OBJECT_ID).toMatch(/^0{8}-0{4}-0{4}-0{4}-0{12}$/);
    expect(stepUsing(job!.steps, 'azure/login')).toBe(-1);
    expect(read('.github/workflows/ci.yml')).not.toMatch(/\$\{\{\s*secrets\./);
  });
});

describe('.github/workflows/deploy.yml: what-if before the infrastructure deployment', () => {
  const workflow = loadWorkflow('.github/workflows/deploy.yml');

  for (const name of ['deploy-staging', 'deploy-production']) {
    it(`${name}: previews the same deployment right before it runs, under the same condition`, () => {
      const steps = workflow.jobs[name]!.steps;
      const login = stepUsing(steps, 'azure/login');
      const whatIf = stepRunning(steps, 'az deployment group what-if');
      const create = stepRunning(steps, 'az deployment group create');
      expect(login).toBeGreaterThanOrEqual(0);
      expect(whatIf).toBeGreaterThan(login);
      expect(create).toBe(whatIf + 1);
      const [preview, deploy] = [steps[whatIf]!, steps[create]!];
      expect(preview.if).toBe(deploy.if);
      expect(preview.env).toEqual(deploy.env);
      // The same resource group, template and parameters: only the verb differs.
      const args = (step: Step) =>
        step
          .run!.replace(/\\\n/g, ' ')
          .replace(/\s+/g, ' ')
          .replace(/az deployment group (what-if|create)/, 'az deployment group VERB')
          .replace(' --output none', '')
          .trim();
      expect(args(preview)).toBe(args(deploy));
      expect(preview.run).toContain('--template-file infra/main.bicep');
      // Every required environment value of the parameter files reaches both steps.
      for (const variable of parameterFiles.flatMap(requiredEnvironment)) {
        expect(Object.keys(preview.env ?? {}), variable).toContain(variable);
      }
    });
  }
});
