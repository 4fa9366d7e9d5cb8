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

  constructor() {
    client.collectDefaultMetrics({ register: this.registry, prefix: 'airlock_process_' });
  }
}
