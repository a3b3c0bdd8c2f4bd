#!/usr/bin/env bash
# Throughput, latency, store traffic, sign-in storms and memory of the gateway, side by side with a plain YARP
# pass-through, on this machine, in one bounded command (bench/README.md explains every pass and column).
#
#   bash bench/run.sh           the full run (about 15 minutes): every pass below
#   bash bench/run.sh --quick   1-second runs, one round, 2 000 sessions, a 3-second storm: checks that the harness works
#   bash bench/run.sh --hold    starts everything, signs in, writes the addresses, pids and cookie to
#                               $BENCH_HOLD_FILE (default /tmp/ssogateway-bench.env), and waits (Ctrl-C, or at
#                               most BENCH_HOLD_SECONDS, default 600) so that you can profile by hand
#
# Passes (BENCH_PASSES, default all, in this order):
#   busy       one busy session: plain YARP, the anonymous route, the authenticated route, saturation and moderate
#   generator  is wrk the limit? plain YARP fed one fixed cookie (no Lua per request) against the many-users stream
#   zipf       many users: BENCH_ZIPF_USERS sessions, each request's cookie picked Zipf-like, all three configurations
#   storm      BENCH_STORM_RATE sign-in attempts/s for BENCH_STORM_SECONDS while many-users traffic runs at moderate load
#   memory     a fresh gateway: BENCH_SESSIONS sessions round-robin, every one used at least twice; then idle
#              (RSS polled up to BENCH_IDLE_SECONDS), then BENCH_FORGED forged and re-spelt cookie values
#
# Knobs (environment): BENCH_DURATION (s per run), BENCH_ROUNDS, BENCH_WARMUP (s per configuration), BENCH_SETTLE_MAX
# (s of 5-second windows after it until the JIT is quiet and CPU a request stops falling, default 90),
# BENCH_CONNECTIONS (saturation), BENCH_MODERATE_CONNECTIONS (default: calibrated), BENCH_THREADS,
# BENCH_SESSIONS (memory pass, default 100 000), BENCH_ZIPF_USERS (many-users pass, default 10 000; 100 000 works),
# BENCH_ZIPF_S (Zipf exponent, default 1.0), BENCH_STEADY_SECONDS (the many-users pass's continuous run, default 60;
# its second half is measured), BENCH_MEMORY_SECONDS (cap of each memory run, default 120),
# BENCH_IDLE_SECONDS (default 90), BENCH_FORGED (default 100 000), BENCH_STORM_RATE (attempts/s, default 200),
# BENCH_STORM_SECONDS (default 10), BENCH_STORM_MIX ("right wrong unknown" shares, default "50 25 25"),
# BENCH_SUT_CPU / BENCH_LOAD_CPU (cores), BENCH_GATEWAY_ARGS (extra gateway arguments, for experiments),
# BENCH_COMPARE_ARGS (a second gateway on the same core and Redis with these extra arguments: its authenticated route
# is one more configuration of the busy and many-users passes, interleaved with the others, e.g. metrics on/off),
# BENCH_OUT (markdown copy of the results, default bench/last-run.md), BENCH_KEEP_TMP=1 (keep the logs).
#
# Starts, each on a free loopback port and stopped at the end (also on Ctrl-C or an error): nginx as the fixed
# backend, redis-server, the plain YARP baseline (bench/Baseline) and the gateway (Release, Production).
# The system under test is pinned to one core, wrk + nginx + redis + the sign-in client to the other.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

duration=${BENCH_DURATION:-5}
rounds=${BENCH_ROUNDS:-3}
warmup=${BENCH_WARMUP:-20}
settle_max=${BENCH_SETTLE_MAX:-90}
connections=${BENCH_CONNECTIONS:-64}
threads=${BENCH_THREADS:-2}
sessions=${BENCH_SESSIONS:-100000}
zipf_users=${BENCH_ZIPF_USERS:-10000}
zipf_s=${BENCH_ZIPF_S:-1.0}
memory_seconds=${BENCH_MEMORY_SECONDS:-120}
# sessions of their own that warm the memory pass's first-sight path up before its start is measured (not measured)
memory_warm_sessions=2000
steady_seconds=${BENCH_STEADY_SECONDS:-60}
idle_seconds=${BENCH_IDLE_SECONDS:-90}
forged=${BENCH_FORGED:-100000}
storm_rate=${BENCH_STORM_RATE:-200}
storm_seconds=${BENCH_STORM_SECONDS:-10}
read -r storm_right storm_wrong storm_unknown <<<"${BENCH_STORM_MIX:-50 25 25}"
passes=" ${BENCH_PASSES:-busy generator zipf storm memory} "
sut_cpu=${BENCH_SUT_CPU:-0}
load_cpu=${BENCH_LOAD_CPU:-1}
out=${BENCH_OUT:-$root/bench/last-run.md}
read -r -a extra_gateway_args <<<"${BENCH_GATEWAY_ARGS:-}"
read -r -a compare_gateway_args <<<"${BENCH_COMPARE_ARGS:-}"
mode=${1:-full}
case $mode in
  full | --hold) ;;
  --quick) duration=1 rounds=1 warmup=1 settle_max=0 sessions=2000 memory_warm_sessions=200 zipf_users=2000 forged=2000 memory_seconds=5 idle_seconds=4 steady_seconds=2
    storm_seconds=3 ;;
  *) echo "usage: bash bench/run.sh [--quick | --hold]" >&2; exit 2 ;;
esac
has_pass() { [[ $passes == *" $1 "* ]]; }

log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

load_at_start=$(cut -d' ' -f1 /proc/loadavg)
awk -v l="$load_at_start" 'BEGIN { exit !(l > 2) }' &&
  log "WARNING: load average $load_at_start > 2: other work shares these cores; do not trust the figures"

# ---------------------------------------------------------------- tools
missing=()
for tool in wrk redis-server nginx; do
  command -v "$tool" >/dev/null 2>&1 || [[ -x /usr/sbin/$tool ]] || missing+=("$tool")
done
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
command -v taskset >/dev/null 2>&1 || missing+=(util-linux)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  log "installing ${missing[*]} from apt"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
if (($(nproc) < 2)); then
  log "WARNING: one core only: the system under test and the load generator share it"
  sut_cpu=0 load_cpu=0
fi

# ---------------------------------------------------------------- processes, always stopped
tmp=$(mktemp -d /tmp/ssogateway-bench.XXXXXX)
declare -A pid=()
stop_all() {
  local name
  for name in "${!pid[@]}"; do kill -TERM "${pid[$name]}" 2>/dev/null || true; done
  for name in "${!pid[@]}"; do
    for _ in $(seq 50); do kill -0 "${pid[$name]}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${pid[$name]}" 2>/dev/null || true
    wait "${pid[$name]}" 2>/dev/null || true
  done
  pid=()
}
on_exit() {
  local status=$?
  stop_all
  [[ -n ${hold_file:-} ]] && rm -f "$hold_file"
  if ((status != 0)); then
    for f in "$tmp"/*.log; do [[ -f $f ]] && { log "last lines of $(basename "$f"):"; tail -n 15 "$f" >&2; }; done
  fi
  if [[ -n ${BENCH_KEEP_TMP:-} ]]; then log "kept $tmp"; else rm -rf "$tmp"; fi
  exit "$status"
}
trap on_exit EXIT
trap 'log "interrupted"; exit 130' INT TERM

used_ports=" "
# Ports below the kernel's ephemeral range, so that no outgoing connection (wrk's, the gateway's) can hold the port
# the server is about to bind (one run failed with nginx's "Address already in use" on a port picked above it).
read -r ephemeral_low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || ephemeral_low=32768
((ephemeral_low > 12000)) || ephemeral_low=60000
free_port() {
  local port
  for _ in $(seq 200); do
    port=$((10000 + RANDOM % (ephemeral_low - 10000)))
    [[ $used_ports == *" $port "* ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      used_ports+="$port "
      echo "$port"
      return 0
    fi
  done
  die "no free port"
}

# wait_http NAME URL: polls until URL answers (any HTTP status), at most 60 s, while NAME's process lives.
wait_http() {
  local name=$1 url=$2
  for _ in $(seq 600); do
    kill -0 "${pid[$name]}" 2>/dev/null || die "$name exited during startup"
    curl -s -o /dev/null --max-time 1 "$url" && return 0
    sleep 0.1
  done
  die "$name did not answer $url within 60 s"
}

rss_mb() { awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
# CPU time the process has used so far, in clock ticks (user + system)
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
# CPU ticks so far of the runtime's tiered-compilation worker threads (named ".NET Tiered Compilation Worker", cut to
# 15 characters): a worker that exits after idling takes its ticks with it, which only happens once the JIT is quiet
jit_ticks() {
  local t s=0
  for t in /proc/"$1"/task/*; do
    [[ $(cat "$t/comm" 2>/dev/null) == ".NET Tiered Com" ]] || continue
    s=$((s + $(sed 's/^.*) //' "$t/stat" 2>/dev/null | awk '{ print $12 + $13 }' || echo 0)))
  done
  echo "$s"
}
clock_ticks=$(getconf CLK_TCK)
hwm_mb() { awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
# resets the peak RSS (VmHWM) to the current RSS, so that a pass reports its own peak
reset_hwm() { echo 5 >"/proc/$1/clear_refs" 2>/dev/null || log "WARNING: cannot reset the peak RSS of $1"; }

# ---------------------------------------------------------------- build
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
unset ASPNETCORE_ENVIRONMENT DOTNET_ENVIRONMENT ASPNETCORE_URLS DOTNET_gcServer || true
log "building Release (Gateway, bench/Baseline, bench/SessionSeeder, bench/SignInStorm)"
for project in Gateway/Gateway.csproj bench/Baseline/Baseline.csproj bench/SessionSeeder/SessionSeeder.csproj \
  bench/SignInStorm/SignInStorm.csproj; do
  dotnet build "$project" -c Release -nologo -v q -clp:ErrorsOnly >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log" >&2; die "build of $project failed"; }
done
gateway_dir=$root/Gateway/bin/Release/net10.0
baseline_dir=$root/bench/Baseline/bin/Release/net10.0
seeder_dir=$root/bench/SessionSeeder/bin/Release/net10.0
storm_dir=$root/bench/SignInStorm/bin/Release/net10.0

# ---------------------------------------------------------------- backend: nginx with a fixed small body
nginx_port=$(free_port)
mkdir -p "$tmp/nginx"
cat >"$tmp/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  keepalive_requests 10000000;
  keepalive_timeout 300s;
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      default_type text/plain;
      return 200 "hello from the bench backend\n";
    }
  }
}
EOF
taskset -c "$load_cpu" "$nginx_bin" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx.log" >>"$tmp/nginx.log" 2>&1 &
pid[nginx]=$!
wait_http nginx "http://127.0.0.1:$nginx_port/"

# ---------------------------------------------------------------- redis
redis_port=$(free_port)
taskset -c "$load_cpu" redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
  --daemonize no --dir "$tmp" --logfile "$tmp/redis.log" &
pid[redis]=$!
rcli() { redis-cli -p "$redis_port" "$@"; }
for _ in $(seq 100); do [[ $(rcli ping 2>/dev/null) == PONG ]] && break; sleep 0.1; done
[[ $(rcli ping 2>/dev/null) == PONG ]] || die "redis-server did not start"

# ---------------------------------------------------------------- baseline YARP
baseline_port=$(free_port)
(cd "$baseline_dir" && exec taskset -c "$sut_cpu" dotnet Baseline.dll --urls "http://127.0.0.1:$baseline_port" \
  --environment Production \
  --ReverseProxy:Routes:all:ClusterId backend --ReverseProxy:Routes:all:Match:Path "{**catch-all}" \
  --ReverseProxy:Clusters:backend:Destinations:nginx:Address "http://127.0.0.1:$nginx_port/") >"$tmp/baseline.log" 2>&1 &
pid[baseline]=$!

# ---------------------------------------------------------------- gateway
password="bench-$RANDOM-$RANDOM-$RANDOM"
hash=$(printf '%s\n' "$password" | (cd "$gateway_dir" && dotnet Gateway.dll hash-password))
cat >"$tmp/users.json" <<JSON
{ "users": [
  { "username": "bench", "passwordHash": "$hash", "email": "bench@example.com", "name": "Bench User",
    "groups": ["staff"] } ] }
JSON
gateway_args=(
  --environment Production
  --Sso:Redis "127.0.0.1:$redis_port"
  --Sso:CookieSecure false
  --Sso:UsersFile "$tmp/users.json"
  # the storm pass sends thousands of failed sign-ins from one address for one username: without this the
  # lockout would answer 429 after five and the storm would measure the lockout, not the password checks
  --Sso:Lockout:MaxFailures 1000000
  --ReverseProxy:Routes:anonymous:ClusterId backend
  --ReverseProxy:Routes:anonymous:AuthorizationPolicy anonymous
  --ReverseProxy:Routes:anonymous:Match:Path "/public/{**rest}"
  --ReverseProxy:Routes:default:ClusterId backend
  --ReverseProxy:Routes:default:AuthorizationPolicy default
  --ReverseProxy:Routes:default:Match:Path "{**catch-all}"
  --ReverseProxy:Clusters:backend:Destinations:nginx:Address "http://127.0.0.1:$nginx_port/"
  "${extra_gateway_args[@]}"
)
gateway_starts=0
# start_gateway [ARGS...]: a gateway on a new free port, with these arguments added (the memory pass starts a fresh
# one); sets gw and pid[gateway]
start_gateway() {
  local port
  port=$(free_port)
  gateway_starts=$((gateway_starts + 1))
  (cd "$gateway_dir" && exec taskset -c "$sut_cpu" dotnet Gateway.dll --urls "http://127.0.0.1:$port" \
    "${gateway_args[@]}" "$@") >"$tmp/gateway-$gateway_starts.log" 2>&1 &
  pid[gateway]=$!
  gw=http://127.0.0.1:$port
  wait_http gateway "$gw/_sso/healthz"
}
stop_gateway() {
  kill -TERM "${pid[gateway]}" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "${pid[gateway]}" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "${pid[gateway]}" 2>/dev/null || true
  wait "${pid[gateway]}" 2>/dev/null || true
  unset 'pid[gateway]'
}
start_gateway
wait_http baseline "http://127.0.0.1:$baseline_port/"
if ((${#compare_gateway_args[@]})); then
  compared_port=$(free_port)
  (cd "$gateway_dir" && exec taskset -c "$sut_cpu" dotnet Gateway.dll --urls "http://127.0.0.1:$compared_port" \
    "${gateway_args[@]}" "${compare_gateway_args[@]}") >"$tmp/gateway-compared.log" 2>&1 &
  pid[compared]=$!
  wait_http compared "http://127.0.0.1:$compared_port/_sso/healthz"
fi

# ---------------------------------------------------------------- sign in once (antiforgery form, then POST)
# a browser's User-Agent, because the session record keeps it (and so its MEMORY USAGE is a browser session's)
browser_agent="Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"
curl -fsS -A "$browser_agent" -c "$tmp/jar" -b "$tmp/jar" "$gw/_sso/login?returnUrl=/" -o "$tmp/login.html"
# post back every hidden field of the form (the antiforgery token, returnUrl), whatever their names
hidden=()
while IFS=$'\t' read -r name value; do
  hidden+=(--data-urlencode "$name=${value//&amp;/&}")
done < <(grep -o '<input type="hidden" name="[^"]*" value="[^"]*"' "$tmp/login.html" \
  | sed 's/.*name="\([^"]*\)" value="\([^"]*\)"/\1\t\2/')
((${#hidden[@]} >= 2)) || die "no antiforgery token in the sign-in form"
curl -sS -A "$browser_agent" -o /dev/null -D "$tmp/signin.headers" -c "$tmp/jar" -b "$tmp/jar" \
  --data-urlencode "username=bench" --data-urlencode "password=$password" "${hidden[@]}" "$gw/_sso/login"
cookie=$(tr -d '\r' <"$tmp/signin.headers" | sed -n 's/^[Ss]et-[Cc]ookie: \(sso_session=[^;]*\).*/\1/p' | head -n 1)
[[ -n $cookie ]] || die "sign-in set no session cookie: $(head -n 1 "$tmp/signin.headers")"
cookie_name=${cookie%%=*}

# ---------------------------------------------------------------- the configurations
declare -A url=()
set_urls() {
  url=([baseline]="http://127.0.0.1:$baseline_port/bench" [anonymous]="$gw/public/bench" [authenticated]="$gw/bench")
  [[ -n ${compared_port:-} ]] && url[compared]="http://127.0.0.1:$compared_port/bench"
  return 0
}
set_urls
declare -A label=(
  [baseline]="plain YARP (baseline)"
  [anonymous]="gateway, anonymous route"
  [authenticated]="gateway, authenticated route"
  [compared]="gateway with ${BENCH_COMPARE_ARGS:-}, authenticated route"
)
declare -A process=([baseline]=baseline [anonymous]=gateway [authenticated]=gateway [compared]=compared)
configs=(baseline anonymous authenticated)
[[ -n ${compared_port:-} ]] && configs+=(compared)
# The same session works on both gateways: they share Redis and so the key ring.
headers_for() { [[ $1 == authenticated || $1 == compared ]] && printf '%s\n' "-H" "Cookie: $cookie" || true; }
# The many-users stream sends every configuration the same cookie values; the anonymous route gets them under
# another cookie name, because a valid session on the anonymous route is authenticated too (SPEC: identity
# headers are added when the request carries one), and the point of that row is a route that checks nothing.
zipf_cookie_for() { [[ $1 == anonymous ]] && echo bench_other || echo "$cookie_name"; }

for config in "${configs[@]}"; do
  mapfile -t h < <(headers_for "$config")
  status=$(curl -s -o /dev/null -w '%{http_code}' "${h[@]}" "${url[$config]}")
  [[ $status == 200 ]] || die "${label[$config]} answered $status, not 200"
done
[[ $(curl -s -o /dev/null -w '%{http_code}' "$gw/bench") == 401 ]] || die "the authenticated route let a request without a cookie through"
log "nginx :$nginx_port, redis :$redis_port, baseline :$baseline_port, gateway ${gw##*:}; signed in"

# seed_sessions COUNT: COUNT live sessions made the gateway's own way (bench/SessionSeeder), cookies in $tmp/cookies.txt
seed_sessions() {
  local count=$1 before after started
  before=$(rcli info memory | tr -d '\r' | awk -F: '/^used_memory:/ { print $2 }')
  log "creating $count sessions through the gateway's sign-in path (SessionSeeder)"
  started=$(date +%s)
  (cd "$seeder_dir" && timeout 600 taskset -c "$load_cpu" dotnet SessionSeeder.dll "$count" "$tmp/cookies.txt" bench \
    "$browser_agent" "${gateway_args[@]}" --Serilog:MinimumLevel:Default Warning) >"$tmp/seeder.log" 2>&1 || die "SessionSeeder failed"
  seed_seconds=$(($(date +%s) - started))
  after=$(rcli info memory | tr -d '\r' | awk -F: '/^used_memory:/ { print $2 }')
  redis_per_session=$(awk -v a="$after" -v b="$before" -v n="$count" 'BEGIN { printf "%.0f", (a - b) / n }')
  [[ $(wc -l <"$tmp/cookies.txt") -ge $count ]] || die "SessionSeeder wrote fewer than $count cookies"
}

if [[ $mode == --hold ]]; then
  hold_sessions=${BENCH_HOLD_SESSIONS:-$zipf_users}
  ((hold_sessions > 0)) && seed_sessions "$hold_sessions"
  hold_file=${BENCH_HOLD_FILE:-/tmp/ssogateway-bench.env}
  {
    printf 'BASELINE_URL=%q\nANONYMOUS_URL=%q\nAUTHENTICATED_URL=%q\nCOOKIE=%q\n' \
      "${url[baseline]}" "${url[anonymous]}" "${url[authenticated]}" "$cookie"
    printf 'GATEWAY_PID=%s\nBASELINE_PID=%s\nREDIS_PORT=%s\nSUT_CPU=%s\nLOAD_CPU=%s\nPASSWORD=%q\n' \
      "${pid[gateway]}" "${pid[baseline]}" "$redis_port" "$sut_cpu" "$load_cpu" "$password"
    printf 'COOKIES_FILE=%q\nCOOKIE_NAME=%q\nSTORM_DLL=%q\n' "$tmp/cookies.txt" "$cookie_name" "$storm_dir/SignInStorm.dll"
  } >"$hold_file"
  log "holding for at most ${BENCH_HOLD_SECONDS:-600} s (Ctrl-C stops everything); see $hold_file"
  sleep "${BENCH_HOLD_SECONDS:-600}" &
  pid[hold]=$!
  wait "${pid[hold]}" || true
  exit 0
fi

# ---------------------------------------------------------------- measuring helpers
# CPU ticks so far of nginx's master and worker and of Redis: wrk's neighbours on the load core
helper_pids="${pid[nginx]} $(pgrep -P "${pid[nginx]}" | tr '\n' ' ') ${pid[redis]}"
helper_ticks() { local t=0 p; for p in $helper_pids; do t=$((t + $(cpu_ticks "$p"))); done; echo "$t"; }
# wrk_raw OUT SECONDS WRK-ARGS...: one bounded wrk run on the load core, its output in OUT and its own CPU time
# (clock ticks, user + system) in OUT.ticks: the shell that waits for it reads its children's times from /proc.
wrk_raw() {
  local file=$1 seconds=$2
  shift 2
  WRK_OUT=$file timeout $((seconds + 90)) sh -c \
    'cpu=$1; shift; taskset -c "$cpu" wrk "$@" >"$WRK_OUT" || exit 1; awk "{ print \$16 + \$17 }" /proc/$$/stat' \
    sh "$load_cpu" -d"${seconds}s" --timeout 5s "$@" >"$file.ticks"
}
# parse_bench FILE: sets w_requests w_duration_us w_p50 w_p99 (us) w_errors w_non2xx w_touched w_status w_rps
# w_wrk_ticks from a wrk_raw result
parse_bench() {
  local line kv
  line=$(grep '^BENCH ' "$1") || die "no BENCH line from wrk in $1: $(head -c 300 "$1")"
  declare -gA w=([touched]=0 [status]=-)
  for kv in ${line#BENCH }; do w[${kv%%=*}]=${kv#*=}; done
  w_requests=${w[requests]} w_duration_us=${w[duration_us]} w_p50=${w[p50_us]} w_p99=${w[p99_us]}
  w_non2xx=${w[non2xx]} w_errors=$((w[non2xx] + w[socket_errors])) w_touched=${w[touched]} w_status=${w[status]}
  w_rps=$(awk -v r="$w_requests" -v d="$w_duration_us" 'BEGIN { printf "%.1f", r / (d / 1e6) }')
  w_wrk_ticks=$(cat "$1.ticks")
}
# threads_for CONNECTIONS: wrk needs at least one connection per thread
threads_for() { local t=$threads; (($1 < t)) && t=$1; echo "$t"; }
# run_wrk CONFIG CONNECTIONS SECONDS: one busy session (a fixed header: wrk sends one pre-built request, no Lua)
run_wrk() {
  local config=$1 conns=$2 seconds=$3
  mapfile -t h < <(headers_for "$config")
  wrk_raw "$tmp/wrk.out" "$seconds" -t"$(threads_for "$conns")" -c"$conns" -s "$root/bench/wrk/report.lua" "${h[@]}" \
    "${url[$config]}" || die "wrk failed for $config"
  parse_bench "$tmp/wrk.out"
}
# run_cookies CONFIG CONNECTIONS SECONDS MODE N [COOKIE-NAME] [COOKIES-FILE]: requests over many cookies (cookies.lua)
run_cookies() {
  local config=$1 conns=$2 seconds=$3 cmode=$4 n=$5 name=${6:-$cookie_name} file=${7:-$tmp/cookies.txt} t
  t=$(threads_for "$conns")
  wrk_raw "$tmp/wrk.out" "$seconds" -t"$t" -c"$conns" -s "$root/bench/wrk/cookies.lua" "${url[$config]}" \
    -- "$cmode" "$file" "$n" "$name" "$t" "$zipf_s" || die "wrk failed for $config ($cmode)"
  parse_bench "$tmp/wrk.out"
}
run_zipf() { run_cookies "$1" "$2" "$3" zipf "$zipf_users" "$(zipf_cookie_for "$1")"; }
# settle RUNNER CONFIG: after the fixed warm-up, 5-second windows of the same traffic until the runtime's tiered
# compilation worker of the system under test is quiet (at most 2 % of a core in the window) and its CPU per request
# has settled (a window within 3 % of the best before it), at most BENCH_SETTLE_MAX seconds.
# A gateway on one saturated core takes a minute or more to finish tiered compilation of the paths that only some
# requests take (first uses: bench/README.md, "Sixth session"); a fixed 20 s measured those partly compiled, and a rule
# on CPU a request alone stopped after one noisy window while the JIT was still busy.
settle() {
  local runner=$1 config=$2 spent=0 best="" cpu="-" sut t0 j0 jit=0
  sut=${pid[${process[$config]}]}
  while ((spent < settle_max)); do
    t0=$(cpu_ticks "$sut")
    j0=$(jit_ticks "$sut")
    "$runner" "$config" "$connections" 5
    spent=$((spent + 5))
    cpu=$(us_per "$(($(cpu_ticks "$sut") - t0))" "$w_requests")
    jit=$(($(jit_ticks "$sut") - j0))
    ((jit < 0)) && jit=0
    # settled: the JIT quiet and this window within 3 % of the best so far (one slow window, the host's noise, is not
    # taken for the end of warming up)
    if [[ -n $best ]] && ((jit * 100 <= 2 * 5 * clock_ticks)) && awk -v c="$cpu" -v b="$best" 'BEGIN { exit !(c >= 0.97 * b && c <= 1.03 * b) }'; then
      break
    fi
    [[ -z $best ]] || awk -v c="$cpu" -v b="$best" 'BEGIN { exit !(c < b) }' && best=$cpu
  done
  log "settled $config after $spent s more: $cpu µs/req (best $best), JIT worker $(us_to_ms "$((jit * 1000000 / clock_ticks))") ms in the last 5 s"
  settled[$config]=$spent
  settled_jit[$config]=$(awk -v t="$jit" -v hz="$clock_ticks" 'BEGIN { printf "%.0f", 100 * t / hz / 5 }')
}
declare -A settled_jit=()
declare -A settled=()

# Redis commands so far, without our own INFO calls: "name count" lines
redis_calls() {
  rcli info commandstats | tr -d '\r' | awk -F'[:=,]' '/^cmdstat_/ { sub("cmdstat_", "", $1); if ($1 != "info") print $1, $3 }'
}
# write commands of a calls_delta line (anything that can change a session key)
writes_of() { tr ' ' '\n' | awk -F= '$1 ~ /^(set|setex|psetex|getex|expire|pexpire|expireat|pexpireat|del|unlink|hset|hmset|eval|evalsha|fcall)$/ { s += $2 } END { print s + 0 }'; }
# GETs (session reads) of a calls_delta line
gets_of() { tr ' ' '\n' | awk -F= '$1 == "get" { s += $2 } END { print s + 0 }'; }
# calls_delta BEFORE AFTER: "total name=n name=n ..." of the commands run between two snapshots
calls_delta() {
  awk 'NR == FNR { before[$1] = $2; next } { d = $2 - before[$1]; if (d > 0) { total += d; list = list " " $1 "=" d } }
       END { print total + 0 list }' <(printf '%s\n' "$1") <(printf '%s\n' "$2")
}
# mix_of "name=n name=n ...": the same, each command summed once, most frequent first
mix_of() { tr ' ' '\n' | awk -F= 'NF == 2 { c[$1] += $2 } END { for (k in c) print c[k], k }' | sort -rn | awk '{ printf "%s%s=%s", (NR > 1 ? " " : ""), $2, $1 }'; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# busy time and total time of one core so far (jiffies), and the share busy between two such readings
core_times() { awk -v c="cpu$1" '$1 == c { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat; }
busy_percent() { awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " "); d = y[2] - x[2]; printf "%.0f", (d > 0 ? 100 * (y[1] - x[1]) / d : 0) }'; }
us_per() { awk -v t="$1" -v hz="$clock_ticks" -v r="$2" 'BEGIN { if (r > 0) printf "%.1f", t / hz * 1e6 / r; else print "-" }'; }
us_to_ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f %%", 100 * a / b; else print "-" }'; }
per_request() { awk -v c="$1" -v r="$2" 'BEGIN { if (r > 0) printf "%.3f", c / r; else print "-" }'; }
sum() { tr ' ' '\n' | awk '{ s += $1 } END { print s + 0 }'; }
# verdict MEASURED OP LIMIT: "met" or "**missed**" (OP: le, ge, lt)
verdict() {
  awk -v m="$1" -v op="$2" -v l="$3" 'BEGIN { ok = (op == "le" ? m <= l : op == "ge" ? m >= l : m < l); print (ok ? "met" : "**missed**") }'
}

report=$tmp/report.md
: >"$report"
targets=()   # rows of the targets table: "| target | measured | verdict |"
section() { cat >>"$report"; }

# ---------------------------------------------------------------- warm-up and the moderate load level
log "warming up ${warmup} s per configuration"
for config in "${configs[@]}"; do run_wrk "$config" "$connections" "$warmup"; settle run_wrk "$config"; done
run_wrk anonymous "$connections" 2
saturation=${w_rps%.*}
moderate=${BENCH_MODERATE_CONNECTIONS:-}
if [[ -z $moderate ]]; then
  # closed-loop load, so the level is set by connections: the count whose throughput is nearest half of saturation
  best=""
  for c in 1 2 4 8 16; do
    run_wrk anonymous "$c" 2
    distance=$(awk -v r="$w_rps" -v s="$saturation" 'BEGIN { d = r - s / 2; print (d < 0 ? -d : d) }')
    if [[ -z $best ]] || awk -v d="$distance" -v b="$best" 'BEGIN { exit !(d < b) }'; then best=$distance moderate=$c; fi
    awk -v r="$w_rps" -v s="$saturation" 'BEGIN { exit !(r >= s / 2) }' && break
  done
fi
log "anonymous route saturates near $saturation req/s at $connections connections; moderate load: $moderate connection(s)"

# ---------------------------------------------------------------- pass: one busy session
if has_pass busy; then
  declare -A rps=() p50=() p99=() errors=() requests=() calls=() rss=() ticks=()
  auth_writes=0 auth_seconds=0 write_mix=""
  for load in saturation moderate; do for config in "${configs[@]}"; do
    requests[$load.$config]=0 errors[$load.$config]=0 calls[$load.$config]="" ticks[$load.$config]=0
  done; done
  for round in $(seq "$rounds"); do
    for load in saturation moderate; do
      conns=$connections
      [[ $load == moderate ]] && conns=$moderate
      for config in "${configs[@]}"; do
        sut=${pid[${process[$config]}]}
        before=$(redis_calls) ticks_before=$(cpu_ticks "$sut")
        run_wrk "$config" "$conns" "$duration"
        after=$(redis_calls) ticks_after=$(cpu_ticks "$sut")
        key=$load.$config
        ticks[$key]=$((ticks[$key] + ticks_after - ticks_before))
        rps[$key]+=" $w_rps" p50[$key]+=" $w_p50" p99[$key]+=" $w_p99"
        requests[$key]=$((requests[$key] + w_requests))
        errors[$key]=$((errors[$key] + w_errors))
        delta=$(calls_delta "$before" "$after")
        calls[$key]+=" ${delta%% *}"
        if [[ $config == authenticated ]]; then
          auth_writes=$((auth_writes + $(writes_of <<<"$delta"))) auth_seconds=$((auth_seconds + duration))
          write_mix+=" $(tr ' ' '\n' <<<"$delta" | grep -E '^(set|evalsha|eval|expire|pexpire|getex|del|unlink)=' | tr '\n' ' ' || true)"
        fi
        rss[$config]=$(rss_mb "$sut")
        log "busy session, round $round, $load, ${label[$config]}: $w_rps req/s, p99 $w_p99 us, $w_errors errors"
      done
    done
  done
  # the command mix of one more authenticated run, for the breakdown line
  before=$(redis_calls)
  run_wrk authenticated "$connections" 1
  mix_requests=$w_requests
  mix=$(calls_delta "$before" "$(redis_calls)")
  session_key=$(rcli --scan --pattern 'sso:s:*' | head -n 1)
  session_bytes=$(rcli memory usage "$session_key")
  session_json=$(rcli strlen "$session_key")
  busy_vs_base=$(awk -v a="$(median <<<"${rps[saturation.authenticated]}")" -v b="$(median <<<"${rps[saturation.baseline]}")" \
    'BEGIN { printf "%.1f", (b > 0 ? 100 * a / b : 0) }')
  targets+=("| 2. one busy session, saturation: authenticated ≥ 90 % of plain YARP's req/s | $busy_vs_base % | $(verdict "$busy_vs_base" ge 90) |")
  {
    echo "### One busy session"
    echo
    echo "One signed-in cookie sent over and over (wrk's fixed request, no Lua per request). Warm-up ${warmup} s per configuration and then until its JIT was quiet and its CPU a request settled (at most ${settle_max} s more; $(for c in "${configs[@]}"; do printf '%s %s s (JIT %s %% of a core at the end), ' "$c" "${settled[$c]:-0}" "${settled_jit[$c]:-?}"; done | sed 's/, $//')). $rounds rounds x $duration s per configuration and load, interleaved, medians."
    echo
    echo "| configuration | load | req/s (median) | p50 ms | p99 ms | vs baseline | vs anonymous | CPU µs/req | Redis cmds/req | errors | RSS MB |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for load in saturation moderate; do
      for config in "${configs[@]}"; do
        key=$load.$config
        r=$(median <<<"${rps[$key]}")
        vs_anon="-"
        [[ $config == authenticated || $config == compared ]] && vs_anon=$(ratio "$r" "$(median <<<"${rps[$load.anonymous]}")")
        vs_base="-"
        [[ $config != baseline ]] && vs_base=$(ratio "$r" "$(median <<<"${rps[$load.baseline]}")")
        cmds="-"
        [[ $config != baseline ]] && cmds=$(per_request "$(sum <<<"${calls[$key]}")" "${requests[$key]}")
        load_text="saturation (c=$connections)"
        [[ $load == moderate ]] && load_text="moderate (c=$moderate, $(ratio "$r" "$(median <<<"${rps[saturation.$config]}")") of sat.)"
        printf '| %s | %s | %.0f | %s | %s | %s | %s | %s | %s | %s | %s |\n' "${label[$config]}" "$load_text" "$r" \
          "$(us_to_ms "$(median <<<"${p50[$key]}")")" "$(us_to_ms "$(median <<<"${p99[$key]}")")" \
          "$vs_base" "$vs_anon" "$(us_per "${ticks[$key]}" "${requests[$key]}")" "$cmds" "${errors[$key]}" "${rss[$config]}"
      done
    done
    echo
    added=$(awk -v a="$(median <<<"${p99[moderate.authenticated]}")" -v b="$(median <<<"${p99[moderate.anonymous]}")" \
      'BEGIN { printf "%.3f", (a - b) / 1000 }')
    if [[ -n ${compared_port:-} ]]; then
      for load in saturation moderate; do
        echo "- $load: the gateway with ${BENCH_COMPARE_ARGS} against the same gateway without them (authenticated route, medians): $(ratio "$(median <<<"${rps[$load.compared]}")" "$(median <<<"${rps[$load.authenticated]}")") of its req/s; CPU $(us_per "${ticks[$load.compared]}" "${requests[$load.compared]}") against $(us_per "${ticks[$load.authenticated]}" "${requests[$load.authenticated]}") µs/req"
      done
    fi
    echo "- p99 the session check adds at moderate load (authenticated minus anonymous, medians): $added ms"
    echo "- Redis commands of one more ${mix_requests}-request authenticated run: $mix"
    mix_text=$(tr ' ' '\n' <<<"$write_mix" | awk -F= 'NF == 2 { c[$1] += $2 } END { for (k in c) printf "%s=%d ", k, c[k] }')
    echo "- Write commands to Redis during the $auth_seconds s of authenticated runs (one session; a sliding refresh is due once a minute by default): $auth_writes ${mix_text:+($mix_text)}"
    echo "- One session record: MEMORY USAGE $session_bytes bytes (JSON value $session_json bytes)"
    echo
  } | section
fi

# ---------------------------------------------------------------- sessions for the passes over many users
seed_count=$((sessions + memory_warm_sessions))
has_pass memory || seed_count=0
if has_pass zipf || has_pass generator || has_pass storm; then ((zipf_users > seed_count)) && seed_count=$zipf_users; fi
((zipf_users > seed_count)) && zipf_users=$seed_count
((seed_count > 0)) && seed_sessions "$seed_count"

# ---------------------------------------------------------------- pass: is the load generator the limit?
# Plain YARP ignores the cookie, so the many-users stream should give it what one fixed cookie gives it: if it is
# much slower, wrk (which shares the load core with nginx and Redis) is the limit, not the system under test.
if has_pass generator; then
  declare -A g_rps=() g_wrk=() g_requests=() g_load=() g_sut=() g_sut_ticks=() g_helpers=()
  log "generator check: plain YARP, one fixed cookie against the many-users stream (warm-up ${warmup} s)"
  run_zipf baseline "$connections" "$warmup"
  for round in $(seq "$rounds"); do
    for kind in fixed zipf; do
      load_before=$(core_times "$load_cpu") sut_before=$(core_times "$sut_cpu") ticks_before=$(cpu_ticks "${pid[baseline]}")
      helpers_before=$(helper_ticks)
      if [[ $kind == fixed ]]; then
        wrk_raw "$tmp/wrk.out" "$duration" -t"$threads" -c"$connections" -s "$root/bench/wrk/report.lua" \
          -H "Cookie: $(head -n 1 "$tmp/cookies.txt" | sed "s/^/$cookie_name=/")" "${url[baseline]}" || die "wrk failed"
        parse_bench "$tmp/wrk.out"
      else
        run_zipf baseline "$connections" "$duration"
      fi
      g_load[$kind]+=" $(busy_percent "$load_before" "$(core_times "$load_cpu")")"
      g_sut[$kind]+=" $(busy_percent "$sut_before" "$(core_times "$sut_cpu")")"
      g_sut_ticks[$kind]=$(( ${g_sut_ticks[$kind]:-0} + $(cpu_ticks "${pid[baseline]}") - ticks_before ))
      g_helpers[$kind]=$(( ${g_helpers[$kind]:-0} + $(helper_ticks) - helpers_before ))
      g_rps[$kind]+=" $w_rps"
      g_wrk[$kind]=$(( ${g_wrk[$kind]:-0} + w_wrk_ticks ))
      g_requests[$kind]=$(( ${g_requests[$kind]:-0} + w_requests ))
      log "generator check, round $round, $kind: $w_rps req/s, wrk $(us_per "$w_wrk_ticks" "$w_requests") µs/req"
    done
  done
  generator_ratio=$(awk -v a="$(median <<<"${g_rps[zipf]}")" -v b="$(median <<<"${g_rps[fixed]}")" 'BEGIN { printf "%.1f", (b > 0 ? 100 * a / b : 0) }')
  {
    echo "### Is the load generator the limit?"
    echo
    echo "Plain YARP ignores the cookie, so the many-users stream (bench/wrk/cookies.lua, $zipf_users cookies, Zipf s=$zipf_s)"
    echo "should reach what one fixed cookie (wrk's one pre-built request) reaches; if not, wrk is the limit. Saturation, c=$connections, $rounds x $duration s, medians."
    echo
    echo "CPU per request is the figure to trust on a shared machine: the ceilings are 10⁶ µs divided by it, i.e. the"
    echo "req/s at which that core would be full with nothing else on it (load core: wrk + nginx + Redis)."
    echo
    echo "| plain YARP fed | req/s | wrk µs/req | nginx + Redis µs/req | load-core ceiling req/s | plain YARP µs/req | its ceiling req/s | load core busy | SUT core busy |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    for kind in fixed zipf; do
      text="one fixed cookie (-H)"
      [[ $kind == zipf ]] && text="many-users stream (cookies.lua zipf)"
      load_us=$(awk -v a="${g_wrk[$kind]}" -v b="${g_helpers[$kind]}" -v hz="$clock_ticks" -v r="${g_requests[$kind]}" 'BEGIN { printf "%.2f", (a + b) / hz * 1e6 / r }')
      sut_us=$(us_per "${g_sut_ticks[$kind]}" "${g_requests[$kind]}")
      printf '| %s | %.0f | %s | %s | %.0f | %s | %.0f | %s %% | %s %% |\n' "$text" "$(median <<<"${g_rps[$kind]}")" \
        "$(us_per "${g_wrk[$kind]}" "${g_requests[$kind]}")" "$(us_per "${g_helpers[$kind]}" "${g_requests[$kind]}")" \
        "$(awk -v u="$load_us" 'BEGIN { print (u > 0 ? 1e6 / u : 0) }')" "$sut_us" \
        "$(awk -v u="$sut_us" 'BEGIN { print (u > 0 ? 1e6 / u : 0) }')" \
        "$(median <<<"${g_load[$kind]}")" "$(median <<<"${g_sut[$kind]}")"
    done
    echo
    echo "- many-users stream / fixed cookie: $generator_ratio % ($(awk -v r="$generator_ratio" 'BEGIN { print (r >= 95 ? "the generator keeps up: the stream costs wrk no more than the fixed request" : "**the generator is (part of) the limit: read the many-users ratios below with care**") }'))"
    echo
  } | section
fi

# ---------------------------------------------------------------- pass: many users, skewed popularity
if has_pass zipf; then
  log "many users: $zipf_users sessions, Zipf s=$zipf_s, warm-up ${warmup} s per configuration"
  zipf_rss_before=$(rss_mb "${pid[gateway]}")
  reset_hwm "${pid[gateway]}"
  for config in "${configs[@]}"; do run_zipf "$config" "$connections" "$warmup"; settle run_zipf "$config"; done
  declare -A z_rps=() z_p50=() z_p99=() z_calls=() z_gets=() z_requests=() z_ticks=() z_errors=() z_touched=() z_wrk=() z_helpers=() z_mix=()
  for round in $(seq "$rounds"); do
    for load in saturation moderate; do
      conns=$connections
      [[ $load == moderate ]] && conns=$moderate
      for config in "${configs[@]}"; do
        sut=${pid[${process[$config]}]}
        key=$load.$config
        before=$(redis_calls) ticks_before=$(cpu_ticks "$sut") helpers_before=$(helper_ticks)
        run_zipf "$config" "$conns" "$duration"
        after=$(redis_calls) ticks_after=$(cpu_ticks "$sut")
        z_helpers[$key]=$(( ${z_helpers[$key]:-0} + $(helper_ticks) - helpers_before ))
        delta=$(calls_delta "$before" "$after")
        z_rps[$key]+=" $w_rps" z_p50[$key]+=" $w_p50" z_p99[$key]+=" $w_p99"
        z_calls[$key]=$(( ${z_calls[$key]:-0} + ${delta%% *} ))
        z_gets[$key]=$(( ${z_gets[$key]:-0} + $(gets_of <<<"$delta") ))
        z_mix[$key]+=" ${delta#* }"
        z_requests[$key]=$(( ${z_requests[$key]:-0} + w_requests ))
        z_ticks[$key]=$(( ${z_ticks[$key]:-0} + ticks_after - ticks_before ))
        z_wrk[$key]=$(( ${z_wrk[$key]:-0} + w_wrk_ticks ))
        z_errors[$key]=$(( ${z_errors[$key]:-0} + w_errors ))
        z_touched[$key]=$w_touched
        log "many users, round $round, $load, ${label[$config]}: $w_rps req/s, p99 $w_p99 us, $w_touched users"
      done
    done
  done
  # Steady state: between two runs of one configuration the rounds above leave it idle for about as long as the
  # session cache's trust window (30 s), so each run starts with most entries expired and reads them again. A site
  # with steady traffic does not: one continuous run, of which the second half is measured.
  log "many users, steady state: authenticated route, saturation, ${steady_seconds} s without a pause (the second half measured)"
  run_zipf authenticated "$connections" "$((steady_seconds / 2))"
  before=$(redis_calls)
  run_zipf authenticated "$connections" "$((steady_seconds / 2))"
  delta=$(calls_delta "$before" "$(redis_calls)")
  z_steady_rps=$w_rps
  z_steady_cmds=$(per_request "${delta%% *}" "$w_requests")
  z_steady_gets=$(per_request "$(gets_of <<<"$delta")" "$w_requests")
  z_steady_mix=$(mix_of <<<"${delta#* }")
  zipf_rss_after=$(rss_mb "${pid[gateway]}")
  zipf_hwm=$(hwm_mb "${pid[gateway]}")
  z_sat_ratio=$(awk -v a="$(median <<<"${z_rps[saturation.authenticated]}")" -v b="$(median <<<"${z_rps[saturation.baseline]}")" \
    'BEGIN { printf "%.1f", (b > 0 ? 100 * a / b : 0) }')
  z_cmds=$(per_request "${z_calls[saturation.authenticated]}" "${z_requests[saturation.authenticated]}")
  z_added=$(awk -v a="$(median <<<"${z_p99[moderate.authenticated]}")" -v b="$(median <<<"${z_p99[moderate.anonymous]}")" \
    'BEGIN { printf "%.3f", (a - b) / 1000 }')
  targets+=("| 1. many users ($zipf_users, Zipf), saturation: authenticated ≥ 60 % of plain YARP's req/s | $z_sat_ratio % | $(verdict "$z_sat_ratio" ge 60) |")
  targets+=("| 1. many users, saturation, steady state: Redis commands per authenticated request ≤ 0.1 | $z_steady_cmds ($z_cmds in the interleaved rounds) | $(verdict "$z_steady_cmds" le 0.1) |")
  targets+=("| 1. many users, moderate load: p99 within 1 ms of the anonymous route's | $z_added ms | $(verdict "$z_added" le 1) |")
  {
    echo "### Many users"
    echo
    echo "$zipf_users sessions created through the gateway's sign-in path (bench/SessionSeeder); each request's cookie picked"
    echo "Zipf-like (weight 1/k^$zipf_s) from a table of draws made once per wrk thread (bench/wrk/cookies.lua), so every"
    echo "configuration gets the same stream of cookie values (the anonymous route under another cookie name, so that it"
    echo "stays anonymous). Warm-up ${warmup} s per configuration and then until its JIT was quiet and its CPU a request settled (at most ${settle_max} s more; $(for c in "${configs[@]}"; do printf '%s %s s (JIT %s %% of a core at the end), ' "$c" "${settled[$c]:-0}" "${settled_jit[$c]:-?}"; done | sed 's/, $//')), then $rounds rounds x $duration s, interleaved, medians."
    echo "Session GETs/req counts Redis \`GET\`s (session reads); the local-cache hit ratio is 1 − that."
    echo
    echo "| configuration | load | req/s | p50 ms | p99 ms | vs baseline | CPU µs/req | wrk µs/req | load core µs/req | Redis cmds/req | session GETs/req | cache hits | distinct users/run | errors |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for load in saturation moderate; do
      for config in "${configs[@]}"; do
        key=$load.$config
        r=$(median <<<"${z_rps[$key]}")
        vs_base="-" cmds="-" gets="-" hits="-"
        [[ $config != baseline ]] && vs_base=$(ratio "$r" "$(median <<<"${z_rps[$load.baseline]}")")
        if [[ $config == authenticated ]]; then
          cmds=$(per_request "${z_calls[$key]}" "${z_requests[$key]}")
          gets=$(per_request "${z_gets[$key]}" "${z_requests[$key]}")
          hits=$(awk -v g="${z_gets[$key]}" -v r="${z_requests[$key]}" 'BEGIN { if (r > 0) printf "%.1f %%", 100 * (1 - g / r); else print "-" }')
        elif [[ $config == anonymous ]]; then
          cmds=$(per_request "${z_calls[$key]}" "${z_requests[$key]}")
        fi
        c=$connections
        [[ $load == moderate ]] && c=$moderate
        printf '| %s | %s (c=%s) | %.0f | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "${label[$config]}" "$load" "$c" "$r" \
          "$(us_to_ms "$(median <<<"${z_p50[$key]}")")" "$(us_to_ms "$(median <<<"${z_p99[$key]}")")" \
          "$vs_base" "$(us_per "${z_ticks[$key]}" "${z_requests[$key]}")" "$(us_per "${z_wrk[$key]}" "${z_requests[$key]}")" \
          "$(us_per "$((z_wrk[$key] + z_helpers[$key]))" "${z_requests[$key]}")" \
          "$cmds" "$gets" "$hits" "${z_touched[$key]}" "${z_errors[$key]}"
      done
    done
    echo
    for config in baseline authenticated; do
      key=saturation.$config
      lu=$(us_per "$((z_wrk[$key] + z_helpers[$key]))" "${z_requests[$key]}") su=$(us_per "${z_ticks[$key]}" "${z_requests[$key]}")
      echo "- ${label[$config]}, saturation: the load core would be full at $(awk -v u="$lu" 'BEGIN { printf "%.0f", (u > 0 ? 1e6 / u : 0) }') req/s (10⁶ / $lu µs), the system under test's core at $(awk -v u="$su" 'BEGIN { printf "%.0f", (u > 0 ? 1e6 / u : 0) }') req/s (10⁶ / $su µs): $(awk -v l="$lu" -v s="$su" 'BEGIN { print (l < s ? "the system under test is the limit" : "**the load core is the limit**") }')"
    done
    echo "- Redis commands during the authenticated saturation runs: $(mix_of <<<"${z_mix[saturation.authenticated]}")"
    if [[ -n ${compared_port:-} ]]; then
      for load in saturation moderate; do
        echo "- $load: the gateway with ${BENCH_COMPARE_ARGS} against the same gateway without them (authenticated route, medians): $(ratio "$(median <<<"${z_rps[$load.compared]}")" "$(median <<<"${z_rps[$load.authenticated]}")") of its req/s; CPU $(us_per "${z_ticks[$load.compared]}" "${z_requests[$load.compared]}") against $(us_per "${z_ticks[$load.authenticated]}" "${z_requests[$load.authenticated]}") µs/req"
      done
    fi
    echo "- steady state (authenticated, saturation, $((steady_seconds / 2)) s measured after $((steady_seconds / 2)) s of the same traffic without a pause): $z_steady_rps req/s, $z_steady_cmds Redis commands a request, $z_steady_gets session GETs a request ($z_steady_mix)"
    echo "- p99 the session check adds at moderate load with many users (authenticated minus anonymous, medians): $z_added ms"
    echo "- gateway RSS: $zipf_rss_before MB before the many-users pass, $zipf_rss_after MB after, peak $zipf_hwm MB during it"
    echo
  } | section
fi

# ---------------------------------------------------------------- pass: sign-in storm under many-users traffic
if has_pass storm; then
  log "sign-in storm: $storm_rate attempts/s for $storm_seconds s (right/wrong/unknown $storm_right/$storm_wrong/$storm_unknown) with many-users traffic at c=$moderate"
  has_pass zipf || run_zipf authenticated "$connections" "$warmup"
  # start_storm SECONDS LOG: the sign-in client in the background on the load core (pid[storm])
  start_storm() {
    timeout $(($1 + 90)) taskset -c "$load_cpu" dotnet "$storm_dir/SignInStorm.dll" --url "$gw" \
      --username bench --password "$password" --rate "$storm_rate" --seconds "$1" \
      --right "$storm_right" --wrong "$storm_wrong" --unknown "$storm_unknown" >"$2" 2>&1 &
    pid[storm]=$!
  }
  # a short unmeasured storm first: the sign-in path's first use (JIT, the first PBKDF2s) is not what a storm costs
  start_storm 2 "$tmp/storm-warmup.log"
  wait "${pid[storm]}" || die "SignInStorm failed: $(tail -n 5 "$tmp/storm-warmup.log")"
  unset 'pid[storm]'
  # the same traffic without a storm, just before, for comparison
  ticks_before=$(cpu_ticks "${pid[gateway]}")
  run_zipf authenticated "$moderate" "$storm_seconds"
  quiet_ticks=$(($(cpu_ticks "${pid[gateway]}") - ticks_before))
  quiet_rps=$w_rps quiet_p50=$w_p50 quiet_p99=$w_p99 quiet_requests=$w_requests quiet_errors=$w_errors
  start_storm "$storm_seconds" "$tmp/storm.log"
  for _ in $(seq 300); do grep -q '^STARTED' "$tmp/storm.log" && break; kill -0 "${pid[storm]}" 2>/dev/null || break; sleep 0.1; done
  grep -q '^STARTED' "$tmp/storm.log" || die "SignInStorm did not start: $(tail -n 5 "$tmp/storm.log")"
  ticks_before=$(cpu_ticks "${pid[gateway]}") sut_before=$(core_times "$sut_cpu") load_before=$(core_times "$load_cpu")
  run_zipf authenticated "$moderate" "$storm_seconds"
  storm_ticks=$(($(cpu_ticks "${pid[gateway]}") - ticks_before))
  storm_sut_busy=$(busy_percent "$sut_before" "$(core_times "$sut_cpu")")
  storm_load_busy=$(busy_percent "$load_before" "$(core_times "$load_cpu")")
  wait "${pid[storm]}" || die "SignInStorm failed: $(tail -n 5 "$tmp/storm.log")"
  unset 'pid[storm]'
  storm_line=$(grep '^STORM ' "$tmp/storm.log") || die "no STORM line: $(tail -n 5 "$tmp/storm.log")"
  declare -A st=()
  for kv in ${storm_line#STORM }; do st[${kv%%=*}]=${kv#*=}; done
  checked_per_s=$(awk -v c="${st[checked]}" -v s="$storm_seconds" 'BEGIN { printf "%.1f", c / s }')
  # gateway CPU beyond what the proxied traffic costs without a storm, per password check
  ms_per_check=$(awk -v st="$storm_ticks" -v qt="$quiet_ticks" -v qr="$quiet_requests" -v sr="$w_requests" \
    -v c="${st[checked]}" -v hz="$clock_ticks" 'BEGIN { if (c > 0 && qr > 0) printf "%.1f", (st - qt * sr / qr) / hz * 1000 / c; else print "-" }')
  storm_added=$(awk -v a="$w_p99" 'BEGIN { printf "%.2f", a / 1000 }')
  targets+=("| 5. sign-in storm ($storm_rate attempts/s): proxied p99 < 50 ms | $storm_added ms | $(verdict "$storm_added" lt 50) |")
  targets+=("| 5. every 503 of the storm carries Retry-After | ${st[retry_after_missing]} without, of ${st[s503]} | $( ((st[retry_after_missing] == 0)) && echo met || echo '**missed**') |")
  {
    echo "### Sign-in storm"
    echo
    echo "bench/SignInStorm on the load core: ${st[due]} sign-in attempts due at $storm_rate/s over $storm_seconds s (open loop: each started"
    echo "on time whatever the answers; sent over ${st[send_s]} s), each a browser of its own (GET the form for its antiforgery"
    echo "cookie and token, then POST), right password / wrong password / unknown username in the ratio"
    echo "$storm_right/$storm_wrong/$storm_unknown. Meanwhile the many-users stream against the authenticated route at moderate load"
    echo "(c=$moderate); the same run just before the storm for comparison. The bench gateway runs with"
    echo "\`Sso:Lockout:MaxFailures=1000000\` (all attempts come from one address), default \`Sso:PasswordChecks\`."
    echo
    echo "| proxied traffic (authenticated, many users, c=$moderate) | req/s | p50 ms | p99 ms | errors |"
    echo "|---|---:|---:|---:|---:|"
    printf '| without a storm | %.0f | %s | %s | %s |\n' "$quiet_rps" "$(us_to_ms "$quiet_p50")" "$(us_to_ms "$quiet_p99")" "$quiet_errors"
    printf '| during the storm | %.0f | %s | %s | %s |\n' "$w_rps" "$(us_to_ms "$w_p50")" "$(us_to_ms "$w_p99")" "$w_errors"
    echo
    echo "| sign-in answers | count |"
    echo "|---|---:|"
    echo "| 302 (signed in) | ${st[s302]} |"
    echo "| 401 (wrong password or unknown user) | ${st[s401]} |"
    echo "| 429 (locked out) | ${st[s429]} |"
    echo "| 503 (password-check queue full; ${st[retry_after_missing]} without Retry-After) | ${st[s503]} |"
    echo "| 400 (antiforgery) | ${st[s400]} |"
    echo "| other status / form not 200 | ${st[other]} |"
    echo "| no answer (socket error or 10 s timeout) | ${st[errors]} |"
    echo "| not sent (client's in-flight bound) / unfinished | ${st[not_sent]} / ${st[unfinished]} |"
    echo
    echo "- password checks completed (302 + 401): ${st[checked]}, $checked_per_s per second on the one core the gateway runs on (= per core)"
    echo "- gateway CPU per completed check, beyond what the same traffic cost without a storm: $ms_per_check ms"
    echo "- sign-in POST latency: p50 ${st[p50_ms]} ms, p99 ${st[p99_ms]} ms; gateway core $storm_sut_busy % busy, load core $storm_load_busy %"
    echo
  } | section
fi

# ---------------------------------------------------------------- pass: memory with many live sessions
if has_pass memory; then
  log "memory: a fresh gateway, then $sessions sessions round-robin, each used at least twice"
  stop_gateway
  # Caches sized for what the pass holds: the measured sessions, the warm-up's and the bench user's exceed the default
  # Sso:SessionCacheSize of 100 000, and a full cache drops a tenth of its entries at a time, which the pass would then
  # measure instead (every dropped session read and rebuilt on its next request). The bound stays a configured one.
  mem_cache_size=$(((sessions + memory_warm_sessions) * 11 / 10))
  start_gateway --Sso:SessionCacheSize "$mem_cache_size"
  set_urls
  run_wrk authenticated "$connections" "$((warmup < 10 ? warmup : 10))" # JIT, on one session only
  # and the first-sight path (the framework's authentication, a store read, a slide), on sessions of its own (the last
  # lines of the cookies file, none of those measured): code compiled once is not memory that grows with sessions
  tail -n "$memory_warm_sessions" "$tmp/cookies.txt" >"$tmp/warm-cookies.txt"
  run_cookies authenticated "$connections" "$((warmup < 10 ? warmup : 10))" round "$memory_warm_sessions" "$cookie_name" "$tmp/warm-cookies.txt"
  mem_rss_start=$(rss_mb "${pid[gateway]}")
  reset_hwm "${pid[gateway]}"
  before=$(redis_calls)
  run_cookies authenticated "$connections" 2 round "$sessions"
  probe_requests=$w_requests probe_rps=${w_rps%.*}
  mem_run=$(awk -v n="$sessions" -v r="$probe_rps" -v cap="$memory_seconds" \
    'BEGIN { s = int(2.1 * n / (r > 0 ? r : 1)) + 1; print (s > cap ? cap : s) }')
  log "memory: $probe_rps req/s over all-new sessions; $mem_run s of round-robin"
  run_cookies authenticated "$connections" "$mem_run" round "$sessions"
  mem_delta=$(calls_delta "$before" "$(redis_calls)")
  mem_requests=$((probe_requests + w_requests)) mem_rps=$w_rps mem_p99=$w_p99 mem_errors=$w_errors
  mem_laps=$(awk -v r="$w_requests" -v n="$sessions" 'BEGIN { printf "%.2f", r / n }')
  mem_lap_s=$(awk -v r="$w_rps" -v n="$sessions" 'BEGIN { printf "%.0f", (r > 0 ? n / r : 0) }')
  mem_rss_after=$(rss_mb "${pid[gateway]}") mem_hwm=$(hwm_mb "${pid[gateway]}")
  live_sessions=$(rcli --scan --pattern 'sso:s:*' | wc -l)
  # idle: no traffic at all; RSS every few seconds until it is back near the start or the bound is reached
  step=5
  ((idle_seconds < 20)) && step=1
  idle_series="" idle_waited=0 idle_rss=$mem_rss_after
  while ((idle_waited < idle_seconds)); do
    sleep "$step"
    idle_waited=$((idle_waited + step))
    idle_rss=$(rss_mb "${pid[gateway]}")
    ((idle_waited % 15 == 0 || step == 1)) && idle_series+=" ${idle_waited}s:${idle_rss}"
    ((idle_rss <= mem_rss_start + 10)) && break
  done
  # a little traffic on one session, so that the GC runs at all (an idle process does not collect)
  run_wrk authenticated "$moderate" 3
  trickle_rss=$(rss_mb "${pid[gateway]}")
  growth=$((mem_hwm - mem_rss_start))
  idle_ok=$(awk -v i="$idle_rss" -v s="$mem_rss_start" -v g="$growth" 'BEGIN { print ((i - s) <= (g / 2 > 20 ? g / 2 : 20) ? "met" : "**missed**") }')
  targets+=("| 3. memory: $sessions live sessions in repeated use, RSS growth ≤ 150 MB (peak − start) | $growth MB | $(verdict "$growth" le 150) |")
  targets+=("| 3. memory: shrinks back when the sessions go idle (at least half the growth given back, in $idle_waited s) | $idle_rss MB after idle (start $mem_rss_start, peak $mem_hwm) | $idle_ok |")
  # how the gateway answers each way of re-spelling a valid cookie (the pass below mixes them)
  v=$(sed -n 1p "$tmp/cookies.txt")
  respelt_answers=""
  for kind in percent-escaped padded capitals quoted leading-space; do
    case $kind in
      percent-escaped) c="$cookie_name=${v:0:4}%$(printf '%02X' "'${v:4:1}")${v:5}" ;;
      padded) c="$cookie_name=$v==" ;;
      capitals) c="${cookie_name^^}=$v" ;;
      quoted) c="$cookie_name=\"$v\"" ;;
      leading-space) c="$cookie_name= $v" ;;
    esac
    respelt_answers+=" $kind $(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $c" "${url[authenticated]}"),"
  done
  # many distinct cookie values: forged ones (valid-looking, same length and key id), then valid ones re-spelt
  declare -A m_rss=() m_hwm=() m_start=() m_text=()
  respelt_n=$forged
  ((respelt_n > sessions)) && respelt_n=$sessions
  for kind in forged respelt; do
    n=$forged
    [[ $kind == respelt ]] && n=$respelt_n
    m_start[$kind]=$(rss_mb "${pid[gateway]}")
    reset_hwm "${pid[gateway]}"
    seconds=$(awk -v n="$n" -v r="$probe_rps" -v cap="$memory_seconds" 'BEGIN { s = int(1.2 * n / (r > 0 ? r : 1)) + 1; print (s > cap ? cap : s) }')
    log "memory: $n $kind cookie values for $seconds s"
    run_cookies authenticated "$connections" "$seconds" "$kind" "$n"
    m_rss[$kind]=$(rss_mb "${pid[gateway]}") m_hwm[$kind]=$(hwm_mb "${pid[gateway]}")
    m_text[$kind]="$w_requests requests in $seconds s, $w_touched distinct values, answers ${w_status//:/ × }, socket errors $((w_errors - w_non2xx))"
    g=$((m_hwm[$kind] - m_start[$kind]))
    targets+=("| 3. memory: $n $kind cookie values, RSS growth ≤ 150 MB (peak − start) | $g MB | $(verdict "$g" le 150) |")
  done
  {
    echo "### Memory with many live sessions"
    echo
    echo "A fresh gateway (so that earlier passes' caches do not count), warmed up on one session and then on $memory_warm_sessions sessions of its own"
    echo "(their first sight: the framework's path, compiled before the start is measured), with Sso:SessionCacheSize $mem_cache_size; then $sessions other sessions"
    echo "(created by bench/SessionSeeder in $seed_seconds s) requested round-robin at saturation, so that every one is used at least"
    echo "twice, each again about $mem_lap_s s after its previous use$( ((mem_lap_s > 60)) && echo " (**more than a minute: not repeated use within a minute; the gateway was too slow for this many sessions**)"); then no traffic for up to $idle_seconds s; then distinct cookie values."
    echo
    echo "| measure | value |"
    echo "|---|---:|"
    echo "| live sessions in Redis | $live_sessions |"
    echo "| Redis used_memory growth per session | ${redis_per_session} bytes |"
    echo "| gateway RSS at the start (fresh, warmed up on one session, then on $memory_warm_sessions others) | $mem_rss_start MB |"
    echo "| requests over the sessions (laps of all $sessions) | $mem_requests ($mem_laps laps after a 2 s probe) |"
    echo "| gateway RSS after them / peak | $mem_rss_after MB / $mem_hwm MB |"
    echo "| throughput / p99 over them | ${mem_rps%.*} req/s / $(us_to_ms "$mem_p99") ms |"
    echo "| Redis commands per request / session GETs per request | $(per_request "${mem_delta%% *}" "$mem_requests") / $(per_request "$(gets_of <<<"$mem_delta")" "$mem_requests") |"
    echo "| Redis commands during them | $(mix_of <<<"${mem_delta#* }") |"
    echo "| errors | $mem_errors |"
    echo "| gateway RSS after $idle_waited s without traffic | $idle_rss MB (${idle_series# }) |"
    echo "| gateway RSS after 3 s more of one-session traffic (the GC runs) | $trickle_rss MB |"
    for kind in forged respelt; do
      text="forged cookie values (valid-looking: a real value with 16 characters in its middle replaced)"
      [[ $kind == respelt ]] && text="valid cookies re-spelt (percent-escaped character, padding, name in capitals, quoted, leading space)"
      echo "| $text: RSS start → after / peak | ${m_start[$kind]} → ${m_rss[$kind]} / ${m_hwm[$kind]} MB (${m_text[$kind]}) |"
    done
    echo
    echo "- each way of re-spelling a valid cookie, answered:${respelt_answers%,}"
    echo
  } | section
fi

# ---------------------------------------------------------------- the report
{
  echo "Run $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'),"
  echo "$(dotnet --version) SDK, $(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2), nginx $("$nginx_bin" -v 2>&1 | cut -d/ -f2), redis $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/')."
  echo "Load average at the start $load_at_start, at the end $(cut -d' ' -f1 /proc/loadavg)$(awk -v l="$load_at_start" 'BEGIN { if (l > 2) print " (**above 2: other work shared the cores; do not trust these figures**)" }')."
  echo "System under test on core $sut_cpu; wrk, nginx, redis and the sign-in client on core $load_cpu. Passes: $(echo $passes)."
  echo "Saturation: wrk -t$threads -c$connections. Moderate: wrk -c$moderate (of 1/2/4/8/16 connections, the one whose throughput on the anonymous route came nearest half of its saturation throughput, $saturation req/s, in 2-second calibration runs; BENCH_MODERATE_CONNECTIONS fixes it)."
  echo
  if ((${#targets[@]})); then
    echo "| target (issue 11) | measured | |"
    echo "|---|---:|---|"
    printf '%s\n' "${targets[@]}"
    echo
  fi
  cat "$report"
} | tee "$out"
log "results also in ${out#"$root"/}"
