import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one process, served at `GET /metrics`. */
export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'numberhost_http_requests_total',
    help: 'HTTP responses sent, by method, route and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'numberhost_http_request_duration_seconds',
    help: 'Time to respond to an HTTP request, by method and route.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly jobsProcessed = new Counter({
    name: 'numberhost_jobs_total',
    help: 'Job runs, by job type and outcome (done, rescheduled, retried, exhausted).',
    labelNames: ['type', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly jobDuration = new Histogram({
    name: 'numberhost_job_duration_seconds',
    help: 'Time one job run took, by job type.',
    labelNames: ['type'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10],
    registers: [this.registry],
  });

  readonly queueLag = new Histogram({
    name: 'numberhost_job_queue_lag_seconds',
    help: 'Delay between a job becoming due and a worker claiming it.',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  readonly jobsRunning = new Gauge({
    name: 'numberhost_jobs_running',
    help: 'Jobs this process is running now.',
    registers: [this.registry],
  });

  readonly deliveries = new Counter({
    name: 'numberhost_callback_attempts_total',
    help: 'Callback delivery attempts, by result (delivered, failed).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly deliveryDuration = new Histogram({
    name: 'numberhost_callback_attempt_duration_seconds',
    help: 'Time one callback delivery attempt took.',
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor(isCollectingDefaults = true) {
    if (isCollectingDefaults) {
      collectDefaultMetrics({ register: this.registry, prefix: 'numberhost_' });
    }
  }
}
