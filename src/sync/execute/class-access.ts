/**
 * Whether a district shares its classes with the app. Sections, courses and terms need Clever's
 * `read:sections` scope; without it Clever answers 403. That is a district's (or the app's)
 * choice, not a failure: it is reported once per district as a warning, class rosters are skipped
 * for the district's other schools, and the user sync goes on untouched.
 */
import { CleverApiError } from '../../clever/api/index.js';
import type { Logger } from '../../telemetry/index.js';

export const CLASS_ROSTERS_NOT_SHARED =
  'class rosters not shared: Clever answered 403 for sections (the app lacks read:sections for this district); students and teachers synced, sections, courses and terms skipped';

export function isNotShared(error: unknown): boolean {
  return error instanceof CleverApiError && error.status === 403;
}

export class ClassRosterAccess {
  private refusedOnce = false;

  constructor(
    private readonly warnings: string[],
    private readonly logger: Logger,
  ) {}

  get refused(): boolean {
    return this.refusedOnce;
  }

  /** Clever refused a class route: say so once for the district. */
  refuse(): void {
    if (this.refusedOnce) return;
    this.refusedOnce = true;
    this.warnings.push(CLASS_ROSTERS_NOT_SHARED);
    this.logger.warn({ event: 'sync.classRosters.notShared' }, CLASS_ROSTERS_NOT_SHARED);
  }
}
