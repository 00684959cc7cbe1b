/**
 * Concurrent callers asking for the same key share one running operation: 50 requests that find
 * no token cause one token request, not 50. The entry is dropped when the operation settles.
 */
export class SingleFlight<T> {
  private readonly running = new Map<string, Promise<T>>();

  run(key: string, operation: () => Promise<T>): Promise<T> {
    const existing = this.running.get(key);
    if (existing) return existing;
    const started = operation().finally(() => this.running.delete(key));
    this.running.set(key, started);
    return started;
  }
}
