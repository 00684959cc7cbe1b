import { z } from 'zod';
import { hash32, seedToInt } from './random.js';

/** Which requests a rule applies to, and how often it fires. */
const target = {
  /** Route templates, e.g. '/schools/{id}/users' or '/oauth/tokens'; unset = every API route. */
  route: z.union([z.string(), z.array(z.string())]).optional(),
  /** The `{id}` path segment, e.g. one school's id: make one school fail while others work. */
  id: z.string().optional(),
  /** Only requests made with this district's token (state-change faults: the district to change). */
  districtId: z.string().optional(),
  /** Chance (0..1) each matching request fires the rule, drawn from the fault seed. */
  probability: z.number().min(0).max(1).optional(),
  /** Let this many matching requests through before the rule can fire. */
  after: z.number().int().min(0).optional(),
  /** Fire at most this many times (state changes: once by default). */
  count: z.number().int().min(1).optional(),
};

export const faultRuleSchema = z.discriminatedUnion('kind', [
  z.object({
    ...target,
    kind: z.literal('latency'),
    latencyMs: z.number().min(0),
    jitterMs: z.number().min(0).optional(),
  }),
  z.object({
    ...target,
    kind: z.literal('status'),
    status: z.number().int().min(400).max(599),
    message: z.string().optional(),
  }),
  z.object({ ...target, kind: z.literal('html'), status: z.number().int().min(400).max(599).optional() }),
  z.object({
    ...target,
    kind: z.literal('rate-limit'),
    resetInSeconds: z.number().int().min(0).max(3600).optional(),
  }),
  z.object({ ...target, kind: z.literal('reset') }),
  z.object({ ...target, kind: z.literal('truncate') }),
  z.object({ ...target, kind: z.literal('link-cycle') }),
  z.object({ ...target, kind: z.literal('rotate-token') }),
  z.object({ ...target, kind: z.literal('disconnect-district') }),
  z.object({ ...target, kind: z.literal('unshare-school'), schoolId: z.string() }),
]);

export type FaultRule = z.infer<typeof faultRuleSchema>;
export type FaultKind = FaultRule['kind'];

export const faultConfigSchema = z.object({
  seed: z.union([z.number(), z.string()]).optional(),
  rules: z.array(faultRuleSchema),
});
export type FaultConfig = z.infer<typeof faultConfigSchema>;

const STATE_CHANGES: ReadonlySet<FaultKind> = new Set([
  'rotate-token',
  'disconnect-district',
  'unshare-school',
]);
const TERMINAL: ReadonlySet<FaultKind> = new Set([
  'status',
  'html',
  'rate-limit',
  'reset',
  'truncate',
  'link-cycle',
]);

export interface FaultRequest {
  route: string;
  id?: string;
  districtId?: string;
}

export interface FiredFaults {
  latencyMs: number;
  stateChanges: FaultRule[];
  /** At most one fault that shapes the response itself. */
  terminal?: FaultRule;
}

interface ActiveRule {
  rule: FaultRule;
  seen: number;
  fired: number;
}

function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new TypeError(`invalid ${what}: ${issues}`);
  }
  return parsed.data;
}

/**
 * Deterministic fault injection: whether the n-th request matching rule r fires depends only on
 * (fault seed, r, n), so a failing test replays exactly.
 */
export class FaultInjector {
  private rules: ActiveRule[] = [];
  private seedInt: number;

  constructor(private readonly defaultSeed: number) {
    this.seedInt = defaultSeed;
  }

  /** Replaces every rule (and counters). Accepts a rule list or { seed, rules }. */
  set(config: FaultConfig | FaultRule[]): void {
    const parsed = parseOrThrow(
      faultConfigSchema,
      Array.isArray(config) ? { rules: config } : config,
      'fault config',
    );
    this.seedInt = parsed.seed === undefined ? this.defaultSeed : seedToInt(parsed.seed);
    this.rules = parsed.rules.map((rule) => ({ rule, seen: 0, fired: 0 }));
  }

  add(rule: FaultRule): void {
    this.rules.push({ rule: parseOrThrow(faultRuleSchema, rule, 'fault rule'), seen: 0, fired: 0 });
  }

  clear(): void {
    this.rules = [];
  }

  list(): { rule: FaultRule; seen: number; fired: number }[] {
    return this.rules.map((r) => ({ ...r }));
  }

  private matches(rule: FaultRule, request: FaultRequest): boolean {
    if (rule.route !== undefined) {
      const routes = Array.isArray(rule.route) ? rule.route : [rule.route];
      if (!routes.includes(request.route)) return false;
    } else if (request.route === '/oauth/tokens') {
      // Unrouted rules target the Data API; token discovery is opted in by naming its route.
      return false;
    }
    if (rule.id !== undefined && rule.id !== request.id) return false;
    if (
      rule.districtId !== undefined &&
      request.districtId !== undefined &&
      rule.districtId !== request.districtId
    ) {
      return false;
    }
    return true;
  }

  /** Counts the request against every matching rule and returns what fires. */
  evaluate(request: FaultRequest): FiredFaults {
    const fired: FiredFaults = { latencyMs: 0, stateChanges: [] };
    this.rules.forEach((active, ruleIndex) => {
      const { rule } = active;
      if (!this.matches(rule, request)) return;
      if (TERMINAL.has(rule.kind) && fired.terminal !== undefined) return;
      const n = active.seen++;
      const limit = rule.count ?? (STATE_CHANGES.has(rule.kind) ? 1 : Number.POSITIVE_INFINITY);
      if (n < (rule.after ?? 0) || active.fired >= limit) return;
      const probability = rule.probability ?? 1;
      if (probability < 1 && hash32(this.seedInt, ruleIndex, n) / 2 ** 32 >= probability) return;
      active.fired++;
      if (rule.kind === 'latency') {
        const jitter = rule.jitterMs
          ? hash32(this.seedInt, ruleIndex, n, 7) % (Math.floor(rule.jitterMs) + 1)
          : 0;
        fired.latencyMs += rule.latencyMs + jitter;
      } else if (STATE_CHANGES.has(rule.kind)) {
        fired.stateChanges.push(rule);
      } else {
        fired.terminal = rule;
      }
    });
    return fired;
  }
}
