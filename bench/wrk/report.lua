-- Ends a wrk run with one machine-readable line: exact p50/p99 (microseconds) from wrk's own histogram,
-- the request count, the measured duration, and every kind of error. bench/run.sh parses it.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d socket_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
