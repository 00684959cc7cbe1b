import type { Provider } from '../sync/integration/support.js';

/** One line of the fault matrix: what `npm run test:faults` prints and docs/reliability.md shows. */
export interface MatrixRow {
  provider: Provider;
  scenario: string;
  /** What the faulted run(s) reported. */
  outcome: string;
  /** Every school database equal to the emulator and the SessionDb truthful after recovery. */
  dataEqual: boolean;
  problems: string[];
  /** Clever data requests during the faulted phase. */
  requests: number;
  /** Duration of the faulted phase. */
  ms: number;
}
