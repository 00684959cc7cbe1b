import { readdirSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findSecrets } from '../../scripts/validate-deployment.js';
import { SECRET_SETTING_KEYS, SETTINGS } from '../../src/config/settings.js';
import {
  CLEVER_CLIENT_ID_SECRET,
  CLEVER_CLIENT_SECRET_SECRET,
  DISTRICT_TOKEN_SECRET_PREFIX,
  SCHOOL_DATABASE_URL_SECRET_PREFIX,
  SESSION_DATABASE_URL_SECRET,
} from '../../src/secrets/secret-names.js';
import {
  at,
  checkParameterFile,
  checkTemplate,
  type Expr,
  evaluate,
  literalString,
  loadTemplate,
  parameterValues,
  render,
  type Template,
  type Value,
} from './bicep.js';

const ROOT = resolve(import.meta.dirname, '../..');
const INFRA = resolve(ROOT, 'infra');
const MAIN = resolve(INFRA, 'main.bicep');
const main = loadTemplate(MAIN);

/** Settings the Functions host reads rather than clever-sync; allowed beside SETTINGS. */
const HOST_SETTINGS = new Set(['AzureWebJobsStorage__accountName']);

const BUILT_IN_ROLES: Record<string, string> = {
  '4633458b-17de-408a-b874-0445c86b69e6': 'Key Vault Secrets User',
  '516239f1-63e1-4d78-a4de-a74fb236a071': 'App Configuration Data Reader',
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b': 'Storage Blob Data Owner',
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88': 'Storage Queue Data Contributor',
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3': 'Storage Table Data Contributor',
};

function moduleTemplate(name: string): Template {
  const decl = main.modules.find((m) => m.name === name);
  if (!decl) throw new Error(`main.bicep has no module "${name}"`);
  return loadTemplate(resolve(INFRA, decl.path));
}

function resource(template: Template, type: string, name?: string) {
  const found = template.resources.filter((r) => r.type === type && (!name || r.name === name));
  if (found.length !== 1) throw new Error(`${basename(template.file)}: expected one ${type} ${name ?? ''}`);
  return found[0]!;
}

/**
 * Follows an expression back to where its value is written: a module parameter to the argument
 * main.bicep passes, a parameter to its default, a variable to its value, `<module>.outputs.x`
 * to the module's output, `<resource>.name` to the name it is declared with.
 */
function trace(template: Template, expr: Expr): Expr {
  if (expr.kind === 'string') {
    // Inline what interpolations resolve to, so the written text can be inspected as a whole.
    const parts = expr.parts.flatMap((part) => {
      if (typeof part === 'string') return [part];
      const value = trace(template, part);
      return value.kind === 'string' ? value.parts : [value];
    });
    return { ...expr, parts };
  }
  if (expr.kind === 'call') return { ...expr, args: expr.args.map((arg) => trace(template, arg)) };
  if (expr.kind === 'ident') {
    const variable = template.vars.get(expr.name);
    if (variable) return trace(template, variable.value);
    const param = template.params.get(expr.name);
    if (param && template.file !== MAIN) {
      const decl = main.modules.find((m) => resolve(INFRA, m.path) === template.file);
      const arg = decl && at(decl.body, `params.${expr.name}`);
      if (arg) return trace(main, arg);
    }
    if (param?.value) return trace(template, param.value);
  }
  if (expr.kind === 'member' && expr.property === 'name' && expr.object.kind === 'ident') {
    const name = expr.object.name;
    const declared = template.resources.find((r) => r.name === name);
    const value = declared && at(declared.body, 'name');
    if (value) return trace(template, value);
  }
  if (expr.kind === 'member' && expr.object.kind === 'member' && expr.object.property === 'outputs') {
    const mod = expr.object.object.kind === 'ident' ? expr.object.object.name : '';
    const target = template === main && moduleTemplate(mod);
    const output = target ? target.outputs.get(expr.property) : undefined;
    if (target && output) return trace(target, output.value);
  }
  return expr;
}

const functionApp = moduleTemplate('functionApp');
const site = resource(functionApp, 'Microsoft.Web/sites');

function appSettings(): Array<{ name: string; value: Expr }> {
  const list = at(site.body, 'properties.siteConfig.appSettings');
  if (list?.kind !== 'array') throw new Error('no appSettings array');
  return list.items.map((item) => {
    const name = literalString(at(item, 'name'));
    const value = at(item, 'value');
    if (!name || !value) throw new Error(`app setting without a literal name or a value: ${render(item)}`);
    return { name, value };
  });
}

const settings = new Map(appSettings().map((s) => [s.name, s.value]));
const KEY_VAULT_REFERENCE = /^'@Microsoft\.KeyVault\(VaultName=\$\{vault\.name\};SecretName=([a-z0-9-]+)\)'$/;
const keyVaultSecretOf = (value: Expr) => KEY_VAULT_REFERENCE.exec(render(value))?.[1];
const CREDENTIAL_MARKERS = /password|pwd=|user id=|uid=|accountkey|instrumentationkey=|sharedaccesskey/i;

describe('infra/ templates', () => {
  it('parse, and declare and use every name, module parameter and output they refer to', () => {
    expect(checkTemplate(MAIN)).toEqual([]);
  });

  it('use every module file', () => {
    const used = main.modules.map((m) => basename(m.path)).sort();
    const onDisk = readdirSync(resolve(INFRA, 'modules'))
      .filter((f) => f.endsWith('.bicep'))
      .sort();
    expect(used).toEqual(onDisk);
  });

  const parameterFiles = readdirSync(resolve(INFRA, 'parameters')).filter((f) => f.endsWith('.bicepparam'));
  it('have a parameter file for staging and production', () => {
    expect(parameterFiles.sort()).toEqual(['production.bicepparam', 'staging.bicepparam']);
  });
  it.each(parameterFiles)('%s sets every required parameter to an allowed value', (file) => {
    expect(checkParameterFile(resolve(INFRA, 'parameters', file))).toEqual([]);
  });

  it('contain no credentials and create none: no passwords, no listKeys, no secure parameters', () => {
    const files = [MAIN, ...main.modules.map((m) => resolve(INFRA, m.path))];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      expect(findSecrets(text), file).toEqual([]);
      expect(text, file).not.toMatch(/listKeys\(|administratorLoginPassword|@secure\(\)/);
    }
  });
});

describe('infra/ resources', () => {
  it('a Function App on Flex Consumption, Linux, Node 22, with a system-assigned identity', () => {
    const plan = resource(functionApp, 'Microsoft.Web/serverfarms');
    expect(render(at(plan.body, 'sku')!)).toBe("{ name: 'FC1', tier: 'FlexConsumption' }");
    expect(literalString(at(site.body, 'kind'))).toBe('functionapp,linux');
    expect(render(at(site.body, 'identity')!)).toBe("{ type: 'SystemAssigned' }");
    expect(render(at(site.body, 'properties.httpsOnly')!)).toBe('true');
    expect(literalString(at(site.body, 'properties.functionAppConfig.runtime.name'))).toBe('node');
    expect(
      literalString(trace(functionApp, at(site.body, 'properties.functionAppConfig.runtime.version')!)),
    ).toBe('22');
    // The deployment package is read with the identity, not a storage key.
    expect(
      literalString(at(site.body, 'properties.functionAppConfig.deployment.storage.authentication.type')),
    ).toBe('SystemAssignedIdentity');
    expect(render(at(site.body, 'properties.keyVaultReferenceIdentity')!)).toBe("'SystemAssigned'");
  });

  it('storage for the host (identity only), the package container, and the run and school queues with their poison queues', () => {
    const storage = moduleTemplate('storage');
    const account = resource(storage, 'Microsoft.Storage/storageAccounts');
    expect(render(at(account.body, 'properties.allowSharedKeyAccess')!)).toBe('false');
    const queues = storage.resources.filter(
      (r) => r.type === 'Microsoft.Storage/storageAccounts/queueServices/queues',
    );
    expect(queues.map((q) => render(at(q.body, 'name')!)).sort()).toEqual([
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Bicep interpolation, rendered as source
      "'${syncQueueName}-poison'",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Bicep interpolation, rendered as source
      "'${syncRunQueueName}-poison'",
      'syncQueueName',
      'syncRunQueueName',
    ]);
    expect(literalString(trace(storage, at(queues[0]!.body, 'name')!))).toMatch(/^[a-z0-9-]{3,63}$/);
    expect(settings.get('AzureWebJobsStorage__accountName')?.kind).toBe('member');
  });

  it('Key Vault with Azure RBAC, soft delete and purge protection, audited to Log Analytics', () => {
    const kv = moduleTemplate('keyVault');
    const vault = resource(kv, 'Microsoft.KeyVault/vaults');
    expect(render(at(vault.body, 'properties.enableRbacAuthorization')!)).toBe('true');
    expect(render(at(vault.body, 'properties.enablePurgeProtection')!)).toBe('true');
    const audit = resource(kv, 'Microsoft.Insights/diagnosticSettings');
    expect(render(at(audit.body, 'scope')!)).toBe('vault');
  });

  it('App Configuration without access keys', () => {
    const store = resource(moduleTemplate('appConfig'), 'Microsoft.AppConfiguration/configurationStores');
    expect(render(at(store.body, 'properties.disableLocalAuth')!)).toBe('true');
  });

  it("role assignments give the app's identity exactly the built-in roles it needs", () => {
    const roles = moduleTemplate('roles');
    const roleIds = roles.vars.get('roleIds')?.value;
    expect(roleIds?.kind).toBe('object');
    for (const { key, value } of roleIds!.kind === 'object' ? roleIds!.entries : []) {
      const id = literalString(value)!;
      expect(BUILT_IN_ROLES[id], `${key} = ${id}`).toBeDefined();
      const camel = BUILT_IN_ROLES[id]!.replace(/\s+(.)/g, (_, c: string) => c.toUpperCase()).replace(
        /^./,
        (c) => c.toLowerCase(),
      );
      expect(key).toBe(camel);
    }
    const assignments = roles.resources.filter((r) => r.type === 'Microsoft.Authorization/roleAssignments');
    const forApp = assignments.filter(
      (r) => render(at(r.body, 'properties.principalId')!) === 'appPrincipalId',
    );
    const granted = forApp.map(
      (r) => `${render(at(r.body, 'scope')!)} ${render(at(r.body, 'properties.roleDefinitionId')!)}`,
    );
    expect(granted).toEqual([
      "storage subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)",
      "vault subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultSecretsUser)",
      "appConfig subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.appConfigurationDataReader)",
    ]);
    expect(render(roles.vars.get('storageRoles')!.value)).toBe(
      '[roleIds.storageBlobDataOwner, roleIds.storageQueueDataContributor, roleIds.storageTableDataContributor]',
    );
    // The deployment identity may read the SessionDb URL secret and nothing else in the vault.
    const forDeployer = assignments.filter(
      (r) => render(at(r.body, 'properties.principalId')!) === 'deploymentPrincipalId',
    );
    expect(forDeployer.map((r) => render(at(r.body, 'scope')!))).toEqual(['sessionDatabaseUrlSecret']);
    const secret = roles.resources.find((r) => r.name === 'sessionDatabaseUrlSecret');
    expect(secret?.existing).toBe(true);
    expect(literalString(at(secret!.body, 'name'))).toBe(SESSION_DATABASE_URL_SECRET);
    // appPrincipalId is the Function App's own identity.
    expect(render(trace(roles, { kind: 'ident', name: 'appPrincipalId' }))).toBe('site.identity.principalId');
  });

  it('Azure SQL with Entra-only authentication, the SessionDb, and an elastic pool for school databases', () => {
    const sql = moduleTemplate('sql');
    const server = resource(sql, 'Microsoft.Sql/servers');
    expect(render(at(server.body, 'properties.administrators.azureADOnlyAuthentication')!)).toBe('true');
    expect(literalString(at(server.body, 'properties.minimalTlsVersion'))).toBe('1.2');
    const session = resource(sql, 'Microsoft.Sql/servers/databases', 'sessionDatabase');
    expect(literalString(trace(sql, at(session.body, 'name')!))).toBe('SessionDb');
    resource(sql, 'Microsoft.Sql/servers/elasticPools');
    const schools = resource(sql, 'Microsoft.Sql/servers/databases', 'schoolDatabases');
    expect(schools.loop?.item).toBe('schoolId');
    expect(render(at(schools.body, 'properties.elasticPoolId')!)).toBe('schoolPool.id');
  });

  it('Application Insights on a Log Analytics workspace', () => {
    const monitoring = moduleTemplate('monitoring');
    resource(monitoring, 'Microsoft.OperationalInsights/workspaces');
    const appInsights = resource(monitoring, 'Microsoft.Insights/components');
    expect(render(at(appInsights.body, 'properties.WorkspaceResourceId')!)).toBe('workspace.id');
  });

  it('the five alert rules, each reading the telemetry it is about', () => {
    const alerts = moduleTemplate('alerts');
    const rules = alerts.vars.get('rules')?.value;
    expect(rules?.kind).toBe('array');
    const byName = new Map(
      (rules!.kind === 'array' ? rules!.items : []).map((rule) => [
        literalString(at(rule, 'name'))!,
        literalString(at(rule, 'query'))!,
      ]),
    );
    expect([...byName.keys()]).toEqual([
      'school-failing',
      'district-failing',
      'district-not-synced',
      'sync-runs-failed',
      'clever-rate-limit-burst',
      'health-unhealthy',
    ]);
    expect(byName.get('school-failing')).toContain('customEvents');
    expect(byName.get('school-failing')).toContain('"CleverSyncSchoolFailing"');
    expect(byName.get('district-failing')).toContain('"CleverSyncDistrictFailing"');
    expect(byName.get('district-failing')).toContain('customDimensions.cleverDistrictId');
    expect(byName.get('district-not-synced')).toContain('"CleverSyncRunCompleted"');
    expect(byName.get('district-not-synced')).toContain('26h');
    expect(byName.get('sync-runs-failed')).toContain('"CleverSyncRunCompleted"');
    expect(byName.get('sync-runs-failed')).toContain('"Failed"');
    expect(byName.get('clever-rate-limit-burst')).toContain('"CleverRateLimitWait"');
    expect(byName.get('school-failing')).toContain('customMeasurements.consecutiveFailures');
    expect(byName.get('health-unhealthy')).toContain('"CleverAuthHealthChanged"');
    // Both health paths: the promised /health/clever-auth and the earlier /api/health/clever-auth.
    expect(byName.get('health-unhealthy')).toContain('url has "/health/clever-auth"');
    expect(byName.get('health-unhealthy')).toContain('"503"');

    const rule = resource(alerts, 'Microsoft.Insights/scheduledQueryRules');
    expect(rule.loop && render(rule.loop.source)).toBe('rules');
    expect(render(at(rule.body, 'properties.scopes')!)).toBe('[appInsightsId]');
    expect(render(trace(alerts, { kind: 'ident', name: 'appInsightsId' }))).toBe('appInsights.id');
    expect(render(at(rule.body, 'properties.actions.actionGroups')!)).toBe('[actionGroup.id]');
  });

  const emitted = readSourceTree(resolve(ROOT, 'src'));
  const telemetry = [
    'CleverSyncSchoolFailing',
    'CleverSyncDistrictFailing',
    'CleverSyncRunCompleted',
    'CleverRateLimitWait',
    'CleverAuthHealthChanged',
  ];
  it('the telemetry names the alerts read are spelled as in src/', () => {
    for (const name of telemetry) expect(emitted).toContain(`'${name}'`);
  });
});

describe('infra/ app settings', () => {
  it('name only settings clever-sync reads (src/config/settings.ts) or the Functions host reads', () => {
    const names = appSettings().map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    const unknown = names.filter((name) => !(name in SETTINGS) && !HOST_SETTINGS.has(name));
    expect(unknown).toEqual([]);
  });

  it('set what the app needs in Azure', () => {
    expect([...settings.keys()]).toEqual(
      expect.arrayContaining([
        'KEY_VAULT_URL',
        'APP_CONFIG_ENDPOINT',
        'APP_CONFIG_LABEL',
        'AZURE_CREDENTIAL_KIND',
        'APPLICATIONINSIGHTS_CONNECTION_STRING',
        'CLEVER_CLIENT_ID',
        'CLEVER_CLIENT_SECRET',
        'SESSION_DATABASE_URL',
        'SCHOOL_DATABASE_URL_TEMPLATE',
        'SYNC_TIMER_SCHEDULE',
        'SYNC_DISPATCH_MODE',
        'SYNC_QUEUE_NAME',
        'SYNC_RUN_QUEUE_NAME',
        'AzureWebJobsStorage__queueServiceUri',
        'LOG_LEVEL',
      ]),
    );
    // A user-assigned identity's client id would silently change which identity the app uses.
    expect(settings.has('AZURE_CLIENT_ID')).toBe(false);
  });

  it('pass the Clever credentials and the SessionDb URL as Key Vault references, by the documented names', () => {
    expect(keyVaultSecretOf(settings.get('CLEVER_CLIENT_ID')!)).toBe(CLEVER_CLIENT_ID_SECRET);
    expect(keyVaultSecretOf(settings.get('CLEVER_CLIENT_SECRET')!)).toBe(CLEVER_CLIENT_SECRET_SECRET);
    expect(keyVaultSecretOf(settings.get('SESSION_DATABASE_URL')!)).toBe(SESSION_DATABASE_URL_SECRET);
    expect(render(at(resource(functionApp, 'Microsoft.KeyVault/vaults').body, 'name')!)).toBe('keyVaultName');
  });

  it('never carry a credential: every secret setting is a Key Vault reference or a credential-free value', () => {
    for (const [name, value] of settings) {
      if (!SECRET_SETTING_KEYS.has(name)) continue;
      const secret = keyVaultSecretOf(value);
      if (secret) continue;
      const written = trace(functionApp, value);
      const text = render(written);
      expect(literalString(written), `${name} must not be a literal`).toBeUndefined();
      expect(text, name).not.toMatch(CREDENTIAL_MARKERS);
      expect(findSecrets(text), name).toEqual([]);
    }
    // The school template is the passwordless managed-identity URL the sql module builds.
    const template = render(trace(functionApp, settings.get('SCHOOL_DATABASE_URL_TEMPLATE')!));
    expect(template).toMatch(
      /^'sqlserver:\/\/sql-.*\.sqlServerHostname\}:1433;database=school-\{schoolId\};/,
    );
    expect(template).toContain('authentication=DefaultAzureCredential');
  });

  it('hold values the settings schema accepts', () => {
    const check = (name: keyof typeof SETTINGS, value: string | undefined) => {
      expect(value, `${name} resolves to a literal`).toBeDefined();
      expect(SETTINGS[name].schema.safeParse(value).success, `${name}=${value}`).toBe(true);
    };
    check('AZURE_CREDENTIAL_KIND', literalString(settings.get('AZURE_CREDENTIAL_KIND')));
    check('SYNC_TIMER_SCHEDULE', literalString(trace(functionApp, settings.get('SYNC_TIMER_SCHEDULE')!)));
    check('LOG_LEVEL', literalString(trace(functionApp, settings.get('LOG_LEVEL')!)));
    // Every level main.bicep allows is one the app accepts.
    const allowed = main.params.get('logLevel')?.decorators.find((d) => d.name === 'allowed')?.args[0];
    expect(allowed?.kind).toBe('array');
    for (const level of allowed?.kind === 'array' ? allowed.items : [])
      check('LOG_LEVEL', literalString(level));
    expect(literalString(trace(functionApp, settings.get('SYNC_TIMER_SCHEDULE')!))).toBe('0 0 2 * * *');
    check('SYNC_QUEUE_NAME', literalString(trace(functionApp, settings.get('SYNC_QUEUE_NAME')!)));
    check('SYNC_RUN_QUEUE_NAME', literalString(trace(functionApp, settings.get('SYNC_RUN_QUEUE_NAME')!)));
    check('SYNC_DISPATCH_MODE', literalString(trace(functionApp, settings.get('SYNC_DISPATCH_MODE')!)));
    // Deployed runs execute inside invocations the host tracks (docs/scaling.md).
    expect(literalString(trace(functionApp, settings.get('SYNC_DISPATCH_MODE')!))).toBe('queued-run');
    const modes = main.params.get('syncDispatchMode')?.decorators.find((d) => d.name === 'allowed')?.args[0];
    for (const mode of modes?.kind === 'array' ? modes.items : [])
      check('SYNC_DISPATCH_MODE', literalString(mode));
    // The app sends to the queue the template creates.
    expect(
      render(at(main.modules.find((m) => m.name === 'functionApp')!.body, 'params.syncQueueName')!),
    ).toBe('storage.outputs.syncQueueName');
    expect(
      render(at(main.modules.find((m) => m.name === 'functionApp')!.body, 'params.syncRunQueueName')!),
    ).toBe('storage.outputs.syncRunQueueName');
    check(
      'APP_CONFIG_LABEL',
      literalString(trace(functionApp, settings.get('APP_CONFIG_LABEL')!)) ?? 'staging',
    );
  });
});

describe('Key Vault secrets', () => {
  const sql = moduleTemplate('sql');
  const secrets = [
    ...main.resources,
    ...main.modules.flatMap((m) => loadTemplate(resolve(INFRA, m.path)).resources),
  ]
    .filter((r) => r.type === 'Microsoft.KeyVault/vaults/secrets' && !r.existing)
    .map((r) => ({ decl: r, name: at(r.body, 'name')! }));

  it('the templates write only the passwordless database URLs, under the documented names', () => {
    expect(secrets.map((s) => render(s.name))).toEqual([
      `'${SESSION_DATABASE_URL_SECRET}'`,
      `'${SCHOOL_DATABASE_URL_SECRET_PREFIX}\${schoolId}'`,
    ]);
    for (const secret of secrets) {
      const value = render(trace(sql, at(secret.decl.body, 'properties.value')!));
      expect(value).toContain('authentication=DefaultAzureCredential');
      expect(value).not.toMatch(CREDENTIAL_MARKERS);
    }
  });

  it('never write Clever credentials (operators set those; docs/deployment.md)', () => {
    const names = secrets.map((s) => render(s.name));
    for (const clever of [
      CLEVER_CLIENT_ID_SECRET,
      CLEVER_CLIENT_SECRET_SECRET,
      DISTRICT_TOKEN_SECRET_PREFIX,
    ]) {
      expect(names.some((n) => n.includes(clever))).toBe(false);
    }
  });
});

function readSourceTree(dir: string): string {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => readFileSync(resolve(entry.parentPath, entry.name), 'utf8'))
    .join('\n');
}

/**
 * The capacity arithmetic of docs/deployment.md ("Capacity"), recomputed here from the limits that
 * page cites and the values each environment deploys, and compared with what main.bicep computes.
 */
describe('infra/ capacity', () => {
  const docs = readFileSync(resolve(ROOT, 'docs/deployment.md'), 'utf8');
  const capacityDocs = docs.slice(docs.indexOf('### Capacity'), docs.indexOf('### Settings in Azure'));
  const rows = (pattern: RegExp) => [...capacityDocs.matchAll(pattern)].map((m) => m.slice(1).map(Number));
  /** eDTU -> limits, as the docs table cites them. */
  const citedPools = new Map(
    rows(/^\| (\d+) +\| (\d+) +\| (\d+) +\|$/gm).map(([edtu, maxDatabases, maxWorkers]) => [
      edtu!,
      { maxDatabases: maxDatabases!, maxWorkers: maxWorkers! },
    ]),
  );
  const citedSessionDb = new Map(
    [...capacityDocs.matchAll(/^\| (S\d+) +\| (\d+) +\| (\d+) +\|$/gm)].map((m) => [m[1]!, Number(m[2])]),
  );
  const hostBatchSize = (
    JSON.parse(readFileSync(resolve(ROOT, 'host.json'), 'utf8')) as {
      extensions: { queues: { batchSize: number } };
    }
  ).extensions.queues.batchSize;
  /** The lowest maximumInstanceCount Flex Consumption documents (docs/deployment.md). */
  const FLEX_LOWEST_MAXIMUM = 40;
  const SESSIONS_PER_POOL = 30_000;
  const parameterFiles = readdirSync(resolve(INFRA, 'parameters')).filter((f) => f.endsWith('.bicepparam'));

  const variable = (name: string, params: Record<string, Value>) => {
    const declared = main.vars.get(name);
    if (!declared) throw new Error(`main.bicep has no variable ${name}`);
    return evaluate(main, declared.value, params);
  };

  it('cites the documented limits, and main.bicep holds the same numbers', () => {
    expect(capacityDocs).toContain(
      'learn.microsoft.com/azure/azure-sql/database/resource-limits-dtu-elastic-pools',
    );
    expect(capacityDocs).toContain(
      'learn.microsoft.com/azure/azure-sql/database/resource-limits-dtu-single-databases',
    );
    expect(citedPools.get(50)).toEqual({ maxDatabases: 100, maxWorkers: 100 });
    expect(citedPools.size).toBe(11);
    expect(variable('standardPoolLimits', {})).toEqual(
      Object.fromEntries([...citedPools].map(([edtu, limits]) => [String(edtu), limits])),
    );
    const workers = variable('singleDatabaseWorkers', {}) as Record<string, number>;
    for (const [objective, limit] of citedSessionDb) expect(workers[objective], objective).toBe(limit);
    // Every pool size a parameter may choose has limits to count with.
    const allowed = main.params.get('elasticPoolEdtu')?.decorators.find((d) => d.name === 'allowed')?.args[0];
    const sizes = allowed?.kind === 'array' ? allowed.items.map((item) => evaluate(main, item)) : [];
    expect(sizes.sort((a, b) => Number(a) - Number(b))).toEqual([...citedPools.keys()]);
  });

  it('reads the batch size from host.json and passes the results on: instances to the plan, connections to the app', () => {
    expect(variable('queueBatchSize', {})).toBe(hostBatchSize);
    const module = main.modules.find((m) => m.name === 'functionApp')!;
    expect(render(at(module.body, 'params.maximumInstanceCount')!)).toBe('functionInstances');
    expect(render(at(module.body, 'params.databasePoolMax')!)).toBe('databasePoolMax');
    expect(
      render(at(site.body, 'properties.functionAppConfig.scaleAndConcurrency.maximumInstanceCount')!),
    ).toBe('maximumInstanceCount');
    expect(render(settings.get('DATABASE_POOL_MAX')!)).toBe('string(databasePoolMax)');
    const sqlModule = main.modules.find((m) => m.name === 'sql')!;
    expect(render(at(sqlModule.body, 'params.elasticPoolEdtu')!)).toBe('poolEdtu');
    const pool = resource(moduleTemplate('sql'), 'Microsoft.Sql/servers/elasticPools');
    expect(render(at(pool.body, 'sku')!)).toBe(
      "{ name: 'StandardPool', tier: 'Standard', capacity: elasticPoolEdtu }",
    );
    expect(main.outputs.has('CAPACITY')).toBe(true);
  });

  it.each(parameterFiles)('%s: the pool holds the schools and the peak stays within every limit', (file) => {
    const params = parameterValues(resolve(INFRA, 'parameters', file));
    const value = (name: string) =>
      name in params ? params[name] : evaluate(main, main.params.get(name)!.value!);
    const schoolCount = value('schoolCount') as number;
    const schoolIds = value('schoolIds') as string[];
    const poolMax = value('databasePoolMax') as number;
    const sessionSku = (value('sessionDatabaseSku') as { name: string }).name;

    // Recomputed from the cited limits.
    const databases = Math.max(schoolCount, schoolIds.length);
    const edtu = Math.max(
      value('elasticPoolEdtu') as number,
      Math.min(...[...citedPools].filter(([, l]) => l.maxDatabases >= databases).map(([e]) => e)),
    );
    const pool = citedPools.get(edtu)!;
    const sessionWorkers = citedSessionDb.get(sessionSku)!;
    const instances = Math.min(
      value('maximumInstanceCount') as number,
      Math.floor(pool.maxWorkers / (hostBatchSize * poolMax)),
      Math.floor(sessionWorkers / poolMax),
    );

    // main.bicep computes the same.
    expect(variable('poolEdtu', params)).toBe(edtu);
    expect(variable('functionInstances', params)).toBe(instances);

    expect(databases, 'school databases the pool holds').toBeLessThanOrEqual(pool.maxDatabases);
    expect(instances * hostBatchSize * poolMax, 'peak pool workers').toBeLessThanOrEqual(pool.maxWorkers);
    expect(instances * hostBatchSize * poolMax, 'peak pool sessions').toBeLessThanOrEqual(SESSIONS_PER_POOL);
    expect(instances * poolMax, 'peak SessionDb workers').toBeLessThanOrEqual(sessionWorkers);
    expect(instances, 'Flex Consumption accepts the maximum').toBeGreaterThanOrEqual(FLEX_LOWEST_MAXIMUM);
    expect(SETTINGS.DATABASE_POOL_MAX.schema.safeParse(String(poolMax)).success).toBe(true);
  });

  it('lowers the instances when a parameter would break a limit, instead of overloading the databases', () => {
    // 1,000 instances with 10 connections each would need 20,000 pool workers.
    const params = { maximumInstanceCount: 1000, databasePoolMax: 10 };
    const instances = variable('functionInstances', params) as number;
    const pool = citedPools.get(variable('poolEdtu', params) as number)!;
    const sessionWorkers = citedSessionDb.get('S1')!;
    expect(instances * hostBatchSize * 10).toBeLessThanOrEqual(pool.maxWorkers);
    expect(instances * 10).toBeLessThanOrEqual(sessionWorkers);
    expect(instances).toBe(Math.min(Math.floor(pool.maxWorkers / (hostBatchSize * 10)), sessionWorkers / 10));
    // 450 schools need a 200 eDTU pool (500 databases).
    expect(variable('poolEdtu', { schoolCount: 450 })).toBe(200);
  });
});
