-- Authenticated requests spread over many sessions: each wrk thread takes every n-th cookie of the file written
-- by SessionSeeder and sends them round-robin, so a run of N requests touches min(N, sessions) distinct sessions.
-- usage: wrk -t T ... -s sessions.lua URL -- <cookies-file> <T> <cookie-name>
local threads = {}
local counter = 0

setup = function(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

init = function(args)
  local file, nthreads, name = args[1], tonumber(args[2]), args[3]
  cookies = {}
  local i = 0
  for line in io.lines(file) do
    if i % nthreads == id then
      cookies[#cookies + 1] = name .. "=" .. line
    end
    i = i + 1
  end
  ncookies = #cookies
  issued = 0
  headers = {}
  for k, v in pairs(wrk.headers) do headers[k] = v end
end

request = function()
  issued = issued + 1
  headers["Cookie"] = cookies[(issued - 1) % #cookies + 1]
  return wrk.format(nil, nil, headers)
end

done = function(summary, latency, requests)
  local touched = 0
  for _, thread in ipairs(threads) do
    local n = thread:get("issued") or 0
    local size = thread:get("ncookies") or 0
    touched = touched + math.min(n, size)
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d socket_errors=%d touched=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout, touched))
end
