/**
 * Recorders for tests: a Telemetry that keeps the custom events it is given, and a stream that
 * keeps what is written to it (optionally claiming to be a terminal, as the CLI's stderr may be).
 */
import { Writable } from 'node:stream';
import { noopTelemetry, type Telemetry } from '../../src/telemetry/index.js';

export interface RecordedEvent {
  name: string;
  properties: Record<string, unknown>;
  measurements: Record<string, number>;
}

export function recordingTelemetry(): { telemetry: Telemetry; events: RecordedEvent[] } {
  const events: RecordedEvent[] = [];
  const telemetry: Telemetry = {
    ...noopTelemetry,
    enabled: true,
    trackEvent: (name, properties = {}, measurements = {}) =>
      void events.push({ name, properties: { ...properties }, measurements: { ...measurements } }),
  };
  return { telemetry, events };
}

export class Capture extends Writable {
  text = '';
  columns = 100;
  constructor(readonly isTTY = false) {
    super();
  }
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}
