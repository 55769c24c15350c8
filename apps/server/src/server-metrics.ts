import type { WriterStats } from '@sdetkit/core-runs';

const BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000];

/** Counters and a latency histogram, rendered in Prometheus text format. */
export class ServerMetrics {
  private readonly requests = new Map<string, number>();
  private readonly runs = new Map<string, number>();
  private readonly replies = new Map<string, number>();
  private readonly latency = new Array<number>(BUCKETS_MS.length + 1).fill(0);
  private latencySum = 0;
  private latencyCount = 0;
  rateLimited = 0;
  duplicates = 0;
  verificationFailures = 0;
  retentionRemoved = 0;

  /**
   * `writerStats`: the record writer thread's counts; `rateLimitBuckets`: the
   * rate-limit buckets held in memory, over all tenants. Both read at each render.
   */
  constructor(
    private readonly options: { writerStats?: () => WriterStats; rateLimitBuckets?: () => number } = {},
  ) {}

  request(route: string, status: number, ms: number): void {
    const key = `${route}\0${status}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    const bucket = BUCKETS_MS.findIndex((b) => ms <= b);
    this.latency[bucket === -1 ? BUCKETS_MS.length : bucket]!++;
    this.latencySum += ms / 1000;
    this.latencyCount++;
  }

  run(status: string): void {
    this.runs.set(status, (this.runs.get(status) ?? 0) + 1);
  }

  reply(channel: string, status: string): void {
    const key = `channel="${channel}",status="${status}"`;
    this.replies.set(key, (this.replies.get(key) ?? 0) + 1);
  }

  render(): string {
    const lines = [
      '# HELP sdetkit_http_requests_total HTTP requests by route and status.',
      '# TYPE sdetkit_http_requests_total counter',
      ...[...this.requests].sort().map(([key, n]) => {
        const [route, status] = key.split('\0');
        return `sdetkit_http_requests_total{route="${route}",status="${status}"} ${n}`;
      }),
      '# HELP sdetkit_runs_total AgentOS runs started by inbound events, by status.',
      '# TYPE sdetkit_runs_total counter',
      ...[...this.runs].sort().map(([status, n]) => `sdetkit_runs_total{status="${status}"} ${n}`),
      '# HELP sdetkit_replies_total Outgoing chat replies, by channel and outcome (sent, simulated, failed).',
      '# TYPE sdetkit_replies_total counter',
      ...[...this.replies].sort().map(([labels, n]) => `sdetkit_replies_total{${labels}} ${n}`),
      '# HELP sdetkit_rate_limited_total Events refused by the per-user rate limit.',
      '# TYPE sdetkit_rate_limited_total counter',
      `sdetkit_rate_limited_total ${this.rateLimited}`,
      ...(this.options.rateLimitBuckets
        ? [
            '# HELP sdetkit_rate_limit_buckets Rate-limit buckets held in memory (users not yet refilled, all tenants).',
            '# TYPE sdetkit_rate_limit_buckets gauge',
            `sdetkit_rate_limit_buckets ${this.options.rateLimitBuckets()}`,
          ]
        : []),
      '# HELP sdetkit_duplicate_deliveries_total Retried deliveries answered with the first result.',
      '# TYPE sdetkit_duplicate_deliveries_total counter',
      `sdetkit_duplicate_deliveries_total ${this.duplicates}`,
      '# HELP sdetkit_verification_failures_total Requests refused by signature or token verification.',
      '# TYPE sdetkit_verification_failures_total counter',
      `sdetkit_verification_failures_total ${this.verificationFailures}`,
      '# HELP sdetkit_retention_removed_total Run records, template runs and conversation logs removed by scheduled retention.',
      '# TYPE sdetkit_retention_removed_total counter',
      `sdetkit_retention_removed_total ${this.retentionRemoved}`,
      ...this.writerLines(),
      '# HELP sdetkit_http_request_duration_seconds Request latency.',
      '# TYPE sdetkit_http_request_duration_seconds histogram',
    ];
    let cumulative = 0;
    BUCKETS_MS.forEach((b, i) => {
      cumulative += this.latency[i]!;
      lines.push(`sdetkit_http_request_duration_seconds_bucket{le="${b / 1000}"} ${cumulative}`);
    });
    cumulative += this.latency[BUCKETS_MS.length]!;
    lines.push(`sdetkit_http_request_duration_seconds_bucket{le="+Inf"} ${cumulative}`);
    lines.push(
      `sdetkit_http_request_duration_seconds_sum ${this.latencySum}`,
      `sdetkit_http_request_duration_seconds_count ${this.latencyCount}`,
    );
    return `${lines.join('\n')}\n`;
  }

  private writerLines(): string[] {
    const stats = this.options.writerStats?.();
    if (!stats) return [];
    return [
      '# HELP sdetkit_record_saves_total Run records saved, by the thread that wrote their ledger entry: main_thread when another process (a CLI run) held the ledger lock.',
      '# TYPE sdetkit_record_saves_total counter',
      `sdetkit_record_saves_total{by="main_thread"} ${stats.recordsLeftStaged}`,
      `sdetkit_record_saves_total{by="writer_thread"} ${stats.recordsPublished}`,
      '# HELP sdetkit_writer_batches_total Batches written by the record writer thread, one round of fsyncs each.',
      '# TYPE sdetkit_writer_batches_total counter',
      `sdetkit_writer_batches_total ${stats.batches}`,
    ];
  }
}
