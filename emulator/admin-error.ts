import type { DistrictData } from './data/district.js';
import type { EmulatorWorld } from './world.js';

/** A bad admin call; `status` is what the HTTP admin API answers with. */
export class EmulatorAdminError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = 'EmulatorAdminError';
  }
}

/**
 * What both admin classes (users and schools: EmulatorAdmin; classes: ClassAdmin) look up the
 * same way: the clock, and a district by its id or by one of its records' ids.
 */
export abstract class AdminLookups {
  constructor(protected readonly world: EmulatorWorld) {}

  protected now(): string {
    return new Date(this.world.clock.now()).toISOString();
  }

  protected districtById(districtId: string): DistrictData {
    const district = this.world.district(districtId);
    if (district === undefined) throw new EmulatorAdminError(404, `unknown district ${districtId}`);
    return district;
  }

  protected districtOf(id: string, what: string): DistrictData {
    const district = this.world.districtOf(id);
    if (district === undefined) throw new EmulatorAdminError(404, `unknown ${what} ${id}`);
    return district;
  }
}
