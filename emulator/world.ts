import { EmulatorClock } from './clock.js';
import { DistrictData } from './data/district.js';
import { EventLog } from './events.js';
import { FaultInjector } from './faults.js';
import { IdKind, idPrefixForSeed, parseId } from './ids.js';
import type { ResolvedOptions } from './options.js';
import { seedToInt } from './random.js';
import { FixedWindowRateLimiter, RateLimitBuckets } from './rate-limit.js';
import { RequestCounter } from './stats.js';
import { districtTokenScopes, TokenRegistry } from './tokens.js';

/** Everything one emulator instance knows; shared by the HTTP layer, admin and truth views. */
export class EmulatorWorld {
  readonly seedInt: number;
  readonly idPrefix: string;
  readonly clock: EmulatorClock;
  readonly districts: DistrictData[];
  readonly tokens: TokenRegistry;
  readonly events = new Map<string, EventLog>();
  readonly eventsEnabled = new Map<string, boolean>();
  readonly faults: FaultInjector;
  readonly stats = new RequestCounter();
  /** Per-token windows: the minute, plus the optional shorter one (burstRateLimit). */
  readonly rateLimits: RateLimitBuckets;

  constructor(readonly options: ResolvedOptions) {
    this.seedInt = seedToInt(options.seed);
    this.idPrefix = idPrefixForSeed(this.seedInt);
    this.clock = new EmulatorClock(options.now);
    this.districts = options.districtShapes.map(
      (shape, slot) =>
        new DistrictData(slot, this.seedInt, this.idPrefix, shape, {
          sendNulls: options.sendNulls,
          earlyLearningSchools: options.earlyLearningSchools,
          sections: options.sections,
        }),
    );
    this.tokens = new TokenRegistry(
      this.seedInt,
      this.idPrefix,
      this.districts,
      this.clock.now,
      districtTokenScopes(options.sectionsScope),
    );
    for (const d of this.districts) {
      this.events.set(
        d.id,
        new EventLog(
          this.idPrefix,
          d.slot,
          options.eventRetentionMs,
          this.clock.now,
          options.previousAttributesBesideData,
        ),
      );
      this.eventsEnabled.set(d.id, options.eventsEnabled);
    }
    this.faults = new FaultInjector(this.seedInt);
    if (options.faults !== undefined) this.faults.set(options.faults);
    const burst = options.burstRateLimit;
    this.rateLimits = new RateLimitBuckets(
      new FixedWindowRateLimiter(options.rateLimitPerMinute, this.clock.now),
      burst === undefined
        ? undefined
        : {
            limiter: new FixedWindowRateLimiter(burst.requests, this.clock.now, burst.windowSeconds * 1000),
            windowSeconds: burst.windowSeconds,
          },
    );
  }

  district(districtId: string): DistrictData | undefined {
    const parsed = parseId(this.idPrefix, districtId);
    if (parsed === undefined || parsed.kind !== IdKind.district || parsed.sequence !== 0) return undefined;
    return this.districts[parsed.districtSlot];
  }

  /** The district that minted an id (users, schools, events carry its slot). */
  districtOf(id: string): DistrictData | undefined {
    const parsed = parseId(this.idPrefix, id);
    return parsed === undefined ? undefined : this.districts[parsed.districtSlot];
  }

  eventLog(districtId: string): EventLog {
    const log = this.events.get(districtId);
    if (log === undefined) throw new Error(`unknown district ${districtId}`);
    return log;
  }
}
