import client from 'prom-client';

/** Prometheus metrics of one worker; the primary aggregates workers in cluster mode. */
export class GatewayMetrics {
  readonly registry = new client.Registry();
  readonly requests = new client.Counter({
    name: 'airlock_requests_total',
    help: 'Requests handled, by environment, decision and response status',
    labelNames: ['env', 'decision', 'status'] as const,
    registers: [this.registry],
  });
  readonly upstreamLatency = new client.Histogram({
    name: 'airlock_upstream_duration_seconds',
    help: 'Time until the upstream answered with headers',
    labelNames: ['env'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly logins = new client.Counter({
    name: 'airlock_logins_total',
    help: 'Login attempts by result',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly logouts = new client.Counter({ name: 'airlock_logouts_total', help: 'Logouts', registers: [this.registry] });
  readonly sessions = new client.Gauge({
    name: 'airlock_sessions_active',
    help: 'Active sessions in the store (sampled)',
    registers: [this.registry],
    aggregator: 'max',
  });
  readonly configReloads = new client.Counter({
    name: 'airlock_config_reloads_total',
    help: 'Config reloads by result',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly #requestChildren = new Map<string, client.Counter.Internal>();
  readonly #latencyChildren = new Map<string, client.Histogram.Internal<'env'>>();

  constructor() {
    client.collectDefaultMetrics({ register: this.registry, prefix: 'airlock_process_' });
  }

  /** One handled request (labelled children are looked up once per label set, not per request). */
  countRequest(env: string, decision: string, status: number): void {
    const key = `${env}\u0000${decision}\u0000${status}`;
    let c = this.#requestChildren.get(key);
    if (c === undefined) {
      c = this.requests.labels({ env, decision, status: String(status) });
      if (this.#requestChildren.size < 10_000) this.#requestChildren.set(key, c);
    }
    c.inc();
  }

  /** Time until an upstream answered with headers, in seconds. */
  observeUpstream(env: string, seconds: number): void {
    let h = this.#latencyChildren.get(env);
    if (h === undefined) {
      h = this.upstreamLatency.labels({ env });
      if (this.#latencyChildren.size < 1_000) this.#latencyChildren.set(env, h);
    }
    h.observe(seconds);
  }
}
