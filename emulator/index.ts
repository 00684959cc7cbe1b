import type { AddressInfo } from 'node:net';
import { EmulatorAdmin } from './admin.js';
import type { FaultConfig, FaultRule } from './faults.js';
import { createEmulatorServer } from './http/server.js';
import { type EmulatorOptions, resolveOptions } from './options.js';
import type { RequestStats } from './stats.js';
import { EmulatorTruth } from './truth.js';
import { EmulatorWorld } from './world.js';

export type { MoveUserOptions, NewSectionInput, NewUserInput, RecordPatch } from './admin.js';
export { EmulatorAdmin, EmulatorAdminError } from './admin.js';
export type { DistrictShape } from './data/layout.js';
export type { FaultConfig, FaultKind, FaultRule } from './faults.js';
export { DEFAULT_LIMIT, MAX_LIMIT } from './http/paging.js';
export type { EmulatorOptions } from './options.js';
export { DEFAULTS as EMULATOR_DEFAULTS } from './options.js';
export type { RequestStats } from './stats.js';
export type { SchoolUsersQuery } from './truth.js';
export { EmulatorTruth } from './truth.js';
export type * from './types.js';

export interface EmulatorDistrictInfo {
  id: string;
  name: string;
  /** The district-app token as of now; undefined while disconnected. */
  token: string | undefined;
}

/** Runtime fault control; rules are validated (a bad rule throws TypeError naming the field). */
export interface EmulatorFaults {
  set(config: FaultConfig | FaultRule[]): void;
  add(rule: FaultRule): void;
  clear(): void;
  list(): { rule: FaultRule; seen: number; fired: number }[];
}

export interface EmulatorHandle {
  /** API host, e.g. http://127.0.0.1:PORT (clients append /v3.0). */
  readonly baseUrl: string;
  /** baseUrl + '/v3.0'. */
  readonly apiUrl: string;
  /** District-token discovery (GET) and optional client_credentials (POST). */
  readonly tokensUrl: string;
  readonly port: number;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Current districts and tokens (recomputed on every read). */
  readonly districts: EmulatorDistrictInfo[];
  readonly admin: EmulatorAdmin;
  readonly faults: EmulatorFaults;
  readonly truth: EmulatorTruth;
  /** Milliseconds since epoch on the emulator clock (admin.advanceClock moves it). */
  now(): number;
  stats(): RequestStats;
  resetStats(): void;
  stop(): Promise<void>;
}

/** Starts a Clever emulator on loopback. Throws RangeError/TypeError for bad options. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const resolved = resolveOptions(options);
  const world = new EmulatorWorld(resolved);
  const server = createEmulatorServer(world);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(resolved.port, resolved.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host;
  const baseUrl = `http://${host}:${port}`;
  const admin = new EmulatorAdmin(world);
  let stopped: Promise<void> | undefined;
  return {
    baseUrl,
    apiUrl: `${baseUrl}/v3.0`,
    tokensUrl: `${baseUrl}/oauth/tokens`,
    port,
    clientId: resolved.clientId,
    clientSecret: resolved.clientSecret,
    get districts() {
      return world.districts.map((d) => ({
        id: d.id,
        name: d.district().name,
        token: world.tokens.current(d.id),
      }));
    },
    admin,
    faults: {
      set: (config) => world.faults.set(config),
      add: (rule) => world.faults.add(rule),
      clear: () => world.faults.clear(),
      list: () => world.faults.list(),
    },
    truth: new EmulatorTruth(world),
    now: () => world.clock.now(),
    stats: () => world.stats.snapshot(),
    resetStats: () => world.stats.reset(),
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
