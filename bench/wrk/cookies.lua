-- Authenticated requests over many session cookies, cheap enough for wrk not to be the limit (bench/README.md,
-- "where the harness was the limit"). One complete request string per cookie, built once (wrk.format once each: in
-- init(), or in the Zipf mode on the cookie's first use), and for the Zipf mode a table of cookie indices drawn in
-- advance; request() only steps an index and returns a built string, so no random number is drawn and no string
-- built per request.
--
-- usage: wrk -t T ... -s cookies.lua URL -- <mode> <cookies-file> <N> <cookie-name> <T> [zipf-s] [seed]
--   zipf     every thread: the first N cookies, picked Zipf-like (cookie k with weight 1 / k^s) from a table of
--            draws seeded by seed + thread number, so every configuration gets the same request stream
--   round    thread t of T: every T-th of the first N cookies, round-robin (each cookie once per lap)
--   forged   like round, each value with 16 characters in its middle replaced by random base64url characters:
--            a valid-looking cookie (same length, same key id) that no gateway issued
--   respelt  like round, each valid value spelt another way (a percent-escaped character, "=" padding, the
--            cookie name in capitals, a quoted value, a space before the value), by cookie number
-- Ends with one BENCH line for bench/run.sh (report.lua's fields plus touched= distinct cookies sent); forged and
-- respelt also count answers by status (status=200:n,401:n) because those are what they are about.
local threads = {}
local counter = 0

setup = function(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local SAMPLE = 131072 -- Zipf draws per thread (cycled): longer than a run's requests per thread at moderate load

-- The Zipf draws of one thread: a pure function of its arguments, so done() can recompute them to count the
-- distinct cookies a run touched without request() keeping a set.
local function zipf_draws(n, s, seed)
  local cdf, total = {}, 0
  for k = 1, n do
    total = total + 1 / (k ^ s)
    cdf[k] = total
  end
  math.randomseed(seed)
  local draws = {}
  for i = 1, SAMPLE do
    local u, lo, hi = math.random() * total, 1, n
    while lo < hi do
      local mid = math.floor((lo + hi) / 2)
      if cdf[mid] < u then lo = mid + 1 else hi = mid end
    end
    draws[i] = lo
  end
  return draws
end

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
local function random_b64(len)
  local t = {}
  for i = 1, len do
    local r = math.random(1, 64)
    t[i] = B64:sub(r, r)
  end
  return table.concat(t)
end

local function respell(name, value, i)
  local kind = i % 5
  if kind == 0 then
    local at = 1 + (i % #value) -- percent-escape one character (the framework's cookie parser unescapes it)
    return name .. "=" .. value:sub(1, at - 1) .. string.format("%%%02X", value:byte(at)) .. value:sub(at + 1)
  elseif kind == 1 then
    return name .. "=" .. value .. "=="
  elseif kind == 2 then
    return name:upper() .. "=" .. value
  elseif kind == 3 then
    return name .. "=\"" .. value .. "\""
  else
    return name .. "= " .. value
  end
end

init = function(args)
  mode, file, n, name, nthreads = args[1], args[2], tonumber(args[3]), args[4], tonumber(args[5])
  zipf_s, seed = tonumber(args[6] or "1.0"), tonumber(args[7] or "7919")
  local values = {}
  for line in io.lines(file) do
    if #values >= n then break end
    values[#values + 1] = line
  end
  n = #values
  local headers = {}
  for k, v in pairs(wrk.headers) do headers[k] = v end
  local function build(cookie)
    headers["Cookie"] = cookie
    return wrk.format(nil, nil, headers)
  end
  requests = {}
  if mode == "zipf" then
    -- built on first use (below) rather than here: wrk runs thread 1's init() while thread 0 already sends, so a
    -- long init would add requests outside wrk's measured duration
    cookies = {}
    for k = 1, n do cookies[k] = name .. "=" .. values[k] end
    build_zipf = build
    order = zipf_draws(n, zipf_s, seed + id)
  else
    math.randomseed(seed + id)
    for k = 1 + id, n, nthreads do
      local v = values[k]
      local cookie
      if mode == "round" then
        cookie = name .. "=" .. v
      elseif mode == "forged" then
        local at = math.floor(#v / 2) - 8
        cookie = name .. "=" .. v:sub(1, at - 1) .. random_b64(16) .. v:sub(at + 16)
      elseif mode == "respelt" then
        cookie = respell(name, v, k)
      else
        error("unknown mode " .. tostring(mode))
      end
      requests[#requests + 1] = build(cookie)
    end
    order = {}
    for i = 1, #requests do order[i] = i end
  end
  norder = #order
  issued = 0
  statuses = {}
  if mode == "forged" or mode == "respelt" then
    -- defined here, not at the top, so that only these modes make wrk hand every response to Lua
    response = function(status) statuses[status] = (statuses[status] or 0) + 1 end
  end
end

request = function()
  issued = issued + 1
  local k = order[(issued - 1) % norder + 1]
  local r = requests[k]
  if r == nil then
    r = build_zipf(cookies[k]) -- zipf mode only: the other modes build every request in init()
    requests[k] = r
  end
  return r
end

done = function(summary, latency, requests_)
  local touched = 0
  local counts = {}
  local seen = {}
  for _, thread in ipairs(threads) do
    local issued_n = thread:get("issued") or 0
    local m = thread:get("mode")
    if m == "zipf" then
      local draws = zipf_draws(thread:get("n"), thread:get("zipf_s"), thread:get("seed") + thread:get("id"))
      for i = 1, math.min(issued_n, SAMPLE) do
        local k = draws[i]
        if not seen[k] then seen[k] = true; touched = touched + 1 end
      end
    else
      touched = touched + math.min(issued_n, thread:get("norder") or 0)
    end
    local st = thread:get("statuses") or {}
    for code, c in pairs(st) do counts[code] = (counts[code] or 0) + c end
  end
  local parts = {}
  for code, c in pairs(counts) do parts[#parts + 1] = code .. ":" .. c end
  table.sort(parts)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d socket_errors=%d touched=%d status=%s\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout, touched, #parts > 0 and table.concat(parts, ",") or "-"))
end
