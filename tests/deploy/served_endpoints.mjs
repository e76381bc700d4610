// What each binary serves, by the flag that opens the listener: the probes,
// Services, scrape annotations and autoscaling queries of deploy/k8s must hit
// these. Keep in step with the flags of controller/main.cc (--listen,
// --http_listen, --metrics_listen, --health_listen, --tls_cert_file) and worker/main.cc
// (--metrics_listen, --health_listen).
export const SERVED = {
  nas_controller: {
    // gRPC with grpc.health.v1 (controller/server.cc), TLS with --tls_cert_file.
    listen: {protocol: 'grpc', grpcHealth: true, tlsWith: 'tls_cert_file'},
    // JSON API and dashboard, the same TLS files as gRPC.
    http_listen: {protocol: 'http', paths: ['/', '/v1/'], tlsWith: 'tls_cert_file'},
    // Prometheus text, always plaintext (controller/metrics/controller_metrics.h).
    metrics_listen: {protocol: 'http', paths: ['/metrics']},
    // Plaintext /healthz and /readyz following the database, as grpc.health.v1.
    health_listen: {protocol: 'http', paths: ['/healthz', '/readyz']},
  },
  nas_worker: {
    metrics_listen: {protocol: 'http', paths: ['/metrics']},
    // 200 while the worker loop runs and reaches the controller, 503 otherwise.
    health_listen: {protocol: 'http', paths: ['/healthz', '/readyz']},
  },
};

// Metric names on each binary's /metrics (docs/operations.md#metrics).
export const METRICS = {
  nas_controller: [
    'nas_controller_leases_granted_total', 'nas_controller_leases_expired_total',
    'nas_controller_evaluations_total', 'nas_controller_failed_evaluations_total',
    'nas_queue_depth', 'nas_jobs_leased', 'nas_search_best_fitness',
  ],
  nas_worker: [
    'nas_worker_jobs_total', 'nas_worker_job_duration_seconds', 'nas_worker_busy_seconds_total',
    'nas_worker_slots',
  ],
};
