-- Many users with skewed popularity: each request carries the session cookie of a user picked at random with a
-- Zipf-like distribution (user k is picked with weight 1 / k^s): a few busy users, many occasional ones.
-- Every thread reads the same first N cookies of the file written by SessionSeeder; math.random is seeded per thread.
-- usage: wrk -t T ... -s zipf.lua URL -- <cookies-file> <N> <cookie-name> [s, default 1.0]
local threads = {}
local counter = 0

setup = function(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

init = function(args)
  local file, n, name, s = args[1], tonumber(args[2]), args[3], tonumber(args[4] or "1.0")
  cookies = {}
  for line in io.lines(file) do
    if #cookies >= n then break end
    cookies[#cookies + 1] = name .. "=" .. line
  end
  n = #cookies
  cdf = {}
  local total = 0
  for k = 1, n do
    total = total + 1 / (k ^ s)
    cdf[k] = total
  end
  for k = 1, n do cdf[k] = cdf[k] / total end
  math.randomseed(os.time() + 7919 * id)
  seen = {}
  distinct = 0
  headers = {}
  for k, v in pairs(wrk.headers) do headers[k] = v end
end

local function pick()
  local u, lo, hi = math.random(), 1, #cdf
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cdf[mid] < u then lo = mid + 1 else hi = mid end
  end
  return lo
end

request = function()
  local k = pick()
  if not seen[k] then seen[k] = true; distinct = distinct + 1 end
  headers["Cookie"] = cookies[k]
  return wrk.format(nil, nil, headers)
end

done = function(summary, latency, requests)
  local touched = 0
  for _, thread in ipairs(threads) do touched = touched + (thread:get("distinct") or 0) end
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d socket_errors=%d touched=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout, touched))
end
