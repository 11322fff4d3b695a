import Metrics

/// The metrics of one job: `helio_scheduler_runs_total{job,outcome}` (outcome `ok` or
/// `failed`), `helio_scheduler_skipped_total{job}` (a tick that found the previous run still
/// going), `helio_scheduler_run_duration_seconds{job}`, and the end of the last run and of
/// the last successful one as Unix timestamps.
struct SchedulerMetrics: Sendable {
    let succeeded: Counter
    let failed: Counter
    let skipped: Counter
    let duration: Timer
    let lastRun: Gauge
    let lastSuccess: Gauge

    init(job: String) {
        succeeded = Counter(label: "helio_scheduler_runs_total", dimensions: [("job", job), ("outcome", "ok")])
        failed = Counter(label: "helio_scheduler_runs_total", dimensions: [("job", job), ("outcome", "failed")])
        skipped = Counter(label: "helio_scheduler_skipped_total", dimensions: [("job", job)])
        duration = Timer(label: "helio_scheduler_run_duration_seconds", dimensions: [("job", job)], preferredDisplayUnit: .seconds)
        lastRun = Gauge(label: "helio_scheduler_last_run_timestamp_seconds", dimensions: [("job", job)])
        lastSuccess = Gauge(label: "helio_scheduler_last_success_timestamp_seconds", dimensions: [("job", job)])
    }
}
