import { IdKind, makeId } from './ids.js';
import { Rng } from './random.js';

export const DISTRICT_TOKEN_SCOPES = [
  'read:district_admins',
  'read:school_admins',
  'read:schools',
  'read:sections',
  'read:students',
  'read:teachers',
  'read:user_id',
];
export const SECTIONS_SCOPE = 'read:sections';

/** The scopes district tokens carry: all of the above, without read:sections when it is off. */
export function districtTokenScopes(sectionsScope: boolean): string[] {
  return DISTRICT_TOKEN_SCOPES.filter((scope) => sectionsScope || scope !== SECTIONS_SCOPE);
}

/** One entry of GET /oauth/tokens, in Clever's shape. */
export interface TokenListEntry {
  id: string;
  created: string;
  owner: { type: 'district'; id: string };
  access_token: string;
  scopes: string[];
}

interface DistrictTokenState {
  slot: number;
  generation: number;
  recordId: string;
  created: string;
  accessToken: string | undefined;
}

interface TokenOwner {
  districtId: string;
  /** Only client-credentials tokens expire. */
  expiresAtMs?: number;
}

const SALT_DISTRICT_TOKEN = 71;
const SALT_CLIENT_TOKEN = 72;

/**
 * Bearer tokens: one long-lived district-app token per connected district (rotatable), plus
 * short-lived client-credentials tokens when that optional mode is on. Tokens are deterministic
 * from the seed so runs are reproducible, but never appear in logs or error bodies.
 */
export class TokenRegistry {
  private readonly districts = new Map<string, DistrictTokenState>();
  private readonly owners = new Map<string, TokenOwner>();
  private issued = 0;

  constructor(
    private readonly seedInt: number,
    private readonly idPrefix: string,
    districts: readonly { slot: number; id: string }[],
    private readonly now: () => number,
    private readonly scopes: readonly string[] = DISTRICT_TOKEN_SCOPES,
  ) {
    for (const d of districts) {
      const state: DistrictTokenState = {
        slot: d.slot,
        generation: 0,
        recordId: '',
        created: '',
        accessToken: undefined,
      };
      this.districts.set(d.id, state);
      this.mint(d.id, state);
    }
  }

  private mint(districtId: string, state: DistrictTokenState): string {
    const token = new Rng(this.seedInt, state.slot, SALT_DISTRICT_TOKEN, state.generation).hex(40);
    state.recordId = makeId(this.idPrefix, state.slot, IdKind.tokenRecord, state.generation);
    state.created = new Date(this.now()).toISOString();
    state.accessToken = token;
    state.generation++;
    this.owners.set(token, { districtId });
    return token;
  }

  private state(districtId: string): DistrictTokenState {
    const state = this.districts.get(districtId);
    if (state === undefined) throw new Error(`unknown district ${districtId}`);
    return state;
  }

  /** Token list entries of connected districts (all, or one). */
  list(districtId?: string): TokenListEntry[] {
    const entries: TokenListEntry[] = [];
    for (const [id, state] of this.districts) {
      if (state.accessToken === undefined || (districtId !== undefined && districtId !== id)) continue;
      entries.push({
        id: state.recordId,
        created: state.created,
        owner: { type: 'district', id },
        access_token: state.accessToken,
        scopes: [...this.scopes],
      });
    }
    return entries;
  }

  current(districtId: string): string | undefined {
    return this.state(districtId).accessToken;
  }

  isConnected(districtId: string): boolean {
    return this.state(districtId).accessToken !== undefined;
  }

  /** The district a bearer token belongs to, if it is valid now. */
  resolve(token: string): string | undefined {
    const owner = this.owners.get(token);
    if (owner === undefined) return undefined;
    if (owner.expiresAtMs !== undefined && this.now() >= owner.expiresAtMs) return undefined;
    return owner.districtId;
  }

  private revoke(districtId: string): void {
    for (const [token, owner] of this.owners) if (owner.districtId === districtId) this.owners.delete(token);
  }

  /** Clever rotated the token: the old one answers 401 from now on, the new one is listed. */
  rotate(districtId: string): string {
    const state = this.state(districtId);
    if (state.accessToken === undefined) throw new Error(`district ${districtId} is disconnected`);
    this.revoke(districtId);
    return this.mint(districtId, state);
  }

  /** The district removed the app: no token listed, every token of it answers 401. */
  disconnect(districtId: string): void {
    this.revoke(districtId);
    this.state(districtId).accessToken = undefined;
  }

  reconnect(districtId: string): string {
    const state = this.state(districtId);
    return state.accessToken ?? this.mint(districtId, state);
  }

  /** Optional client_credentials mode: an expiring token for one district. */
  issueClientCredentials(districtId: string, ttlSeconds: number): string {
    const state = this.state(districtId);
    const token = new Rng(this.seedInt, state.slot, SALT_CLIENT_TOKEN, this.issued++).hex(40);
    this.owners.set(token, { districtId, expiresAtMs: this.now() + ttlSeconds * 1000 });
    return token;
  }
}
