/**
 * The emulator's notion of now. Tests move it forward (rate-limit windows, event retention,
 * token expiry) instead of sleeping, so no assertion depends on real timing.
 */
export class EmulatorClock {
  private offsetMs = 0;

  constructor(private readonly source: () => number = Date.now) {}

  readonly now = (): number => this.source() + this.offsetMs;

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0)
      throw new RangeError('clock can only move forward by a finite amount');
    this.offsetMs += ms;
  }
}
