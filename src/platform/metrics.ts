import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
  /** Rows the scheduled purge deleted, by kind (sessions, password_links, outbox, …). */
  purgedRows: Counter<'kind'>;
}

/** One registry per server, so tests and several servers in one process do not share counters. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'gatehouse_' });
  const httpRequestDuration = new Histogram({
    name: 'gatehouse_http_request_duration_seconds',
    help: 'HTTP requests by route and status, in seconds',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const purgedRows = new Counter({
    name: 'gatehouse_purged_rows_total',
    help: 'Expired or spent rows deleted by the scheduled purge, by kind',
    labelNames: ['kind'],
    registers: [registry],
  });
  return { registry, httpRequestDuration, purgedRows };
}
