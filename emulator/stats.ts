/** Request counts by route template and status ('reset' for dropped connections). */
export interface RequestStats {
  total: number;
  byRoute: Record<string, Record<string, number>>;
  byStatus: Record<string, number>;
}

export class RequestCounter {
  private counts = new Map<string, Map<string, number>>();
  private total = 0;

  record(route: string, status: number | 'reset'): void {
    const key = String(status);
    let byStatus = this.counts.get(route);
    if (byStatus === undefined) {
      byStatus = new Map();
      this.counts.set(route, byStatus);
    }
    byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
    this.total++;
  }

  snapshot(): RequestStats {
    const byRoute: RequestStats['byRoute'] = {};
    const byStatus: RequestStats['byStatus'] = {};
    for (const [route, statuses] of this.counts) {
      byRoute[route] = Object.fromEntries(statuses);
      for (const [status, n] of statuses) byStatus[status] = (byStatus[status] ?? 0) + n;
    }
    return { total: this.total, byRoute, byStatus };
  }

  reset(): void {
    this.counts.clear();
    this.total = 0;
  }
}
