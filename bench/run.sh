#!/usr/bin/env bash
# Throughput, latency, store traffic and memory of the gateway, side by side with a plain YARP pass-through,
# on this machine, in one bounded command (bench/README.md explains every column).
#
#   bash bench/run.sh           the full run: 3 rounds x 5 s per configuration, 100 000 sessions (about 4 minutes)
#   bash bench/run.sh --quick   1-second runs, one round, 2 000 sessions: checks that the harness works
#   bash bench/run.sh --hold    starts everything, signs in, writes the addresses, pids and cookie to
#                               $BENCH_HOLD_FILE (default /tmp/ssogateway-bench.env), and waits (Ctrl-C, or at
#                               most BENCH_HOLD_SECONDS, default 600) so that you can profile by hand
#
# Knobs (environment): BENCH_DURATION (s per run), BENCH_ROUNDS, BENCH_WARMUP (s per configuration),
# BENCH_CONNECTIONS (saturation), BENCH_MODERATE_CONNECTIONS (default: calibrated), BENCH_THREADS,
# BENCH_SESSIONS, BENCH_MEMORY_SECONDS (cap of the memory pass), BENCH_ZIPF_USERS (users of the many-users pass,
# default 10 000, at most BENCH_SESSIONS), BENCH_ZIPF_S (its Zipf exponent, default 1.0),
# BENCH_SUT_CPU / BENCH_LOAD_CPU (cores), BENCH_GATEWAY_ARGS (extra gateway arguments, for experiments),
# BENCH_OUT (markdown copy of the results, default bench/last-run.md), BENCH_KEEP_TMP=1 (keep the logs).
#
# Starts, each on a free loopback port and stopped at the end (also on Ctrl-C or an error): nginx as the fixed
# backend, redis-server, the plain YARP baseline (bench/Baseline) and the gateway (Release, Production).
# The system under test is pinned to one core, wrk + nginx + redis to the other.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

duration=${BENCH_DURATION:-5}
rounds=${BENCH_ROUNDS:-3}
warmup=${BENCH_WARMUP:-20}
connections=${BENCH_CONNECTIONS:-64}
threads=${BENCH_THREADS:-2}
sessions=${BENCH_SESSIONS:-100000}
zipf_users=${BENCH_ZIPF_USERS:-10000}
zipf_s=${BENCH_ZIPF_S:-1.0}
memory_seconds=${BENCH_MEMORY_SECONDS:-40}
sut_cpu=${BENCH_SUT_CPU:-0}
load_cpu=${BENCH_LOAD_CPU:-1}
out=${BENCH_OUT:-$root/bench/last-run.md}
read -r -a extra_gateway_args <<<"${BENCH_GATEWAY_ARGS:-}"
mode=${1:-full}
case $mode in
  full | --hold) ;;
  --quick) duration=1 rounds=1 warmup=1 sessions=2000 memory_seconds=3 zipf_users=2000 ;;
  *) echo "usage: bash bench/run.sh [--quick | --hold]" >&2; exit 2 ;;
esac

log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

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
clock_ticks=$(getconf CLK_TCK)
hwm_mb() { awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

# ---------------------------------------------------------------- build
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
unset ASPNETCORE_ENVIRONMENT DOTNET_ENVIRONMENT ASPNETCORE_URLS DOTNET_gcServer || true
log "building Release (Gateway, bench/Baseline, bench/SessionSeeder)"
for project in Gateway/Gateway.csproj bench/Baseline/Baseline.csproj bench/SessionSeeder/SessionSeeder.csproj; do
  dotnet build "$project" -c Release -nologo -v q -clp:ErrorsOnly >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log" >&2; die "build of $project failed"; }
done
gateway_dir=$root/Gateway/bin/Release/net10.0
baseline_dir=$root/bench/Baseline/bin/Release/net10.0
seeder_dir=$root/bench/SessionSeeder/bin/Release/net10.0

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
cat >"$tmp/users.json" <<EOF
{ "users": [
  { "username": "bench", "passwordHash": "$hash", "email": "bench@example.com", "name": "Bench User",
    "groups": ["staff"] } ] }
EOF
gateway_port=$(free_port)
gateway_args=(
  --environment Production
  --Sso:Redis "127.0.0.1:$redis_port"
  --Sso:CookieSecure false
  --Sso:UsersFile "$tmp/users.json"
  --ReverseProxy:Routes:anonymous:ClusterId backend
  --ReverseProxy:Routes:anonymous:AuthorizationPolicy anonymous
  --ReverseProxy:Routes:anonymous:Match:Path "/public/{**rest}"
  --ReverseProxy:Routes:default:ClusterId backend
  --ReverseProxy:Routes:default:AuthorizationPolicy default
  --ReverseProxy:Routes:default:Match:Path "{**catch-all}"
  --ReverseProxy:Clusters:backend:Destinations:nginx:Address "http://127.0.0.1:$nginx_port/"
  "${extra_gateway_args[@]}"
)
(cd "$gateway_dir" && exec taskset -c "$sut_cpu" dotnet Gateway.dll --urls "http://127.0.0.1:$gateway_port" \
  "${gateway_args[@]}") >"$tmp/gateway.log" 2>&1 &
pid[gateway]=$!
wait_http baseline "http://127.0.0.1:$baseline_port/"
wait_http gateway "http://127.0.0.1:$gateway_port/_sso/healthz"

# ---------------------------------------------------------------- sign in once (antiforgery form, then POST)
gw=http://127.0.0.1:$gateway_port
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

# ---------------------------------------------------------------- the configurations
declare -A url=(
  [baseline]="http://127.0.0.1:$baseline_port/bench"
  [anonymous]="$gw/public/bench"
  [authenticated]="$gw/bench"
)
declare -A label=(
  [baseline]="plain YARP (baseline)"
  [anonymous]="gateway, anonymous route"
  [authenticated]="gateway, authenticated route"
)
declare -A process=([baseline]=baseline [anonymous]=gateway [authenticated]=gateway)
configs=(baseline anonymous authenticated)
headers_for() { [[ $1 == authenticated ]] && printf '%s\n' "-H" "Cookie: $cookie" || true; }

for config in "${configs[@]}"; do
  mapfile -t h < <(headers_for "$config")
  status=$(curl -s -o /dev/null -w '%{http_code}' "${h[@]}" "${url[$config]}")
  [[ $status == 200 ]] || die "${label[$config]} answered $status, not 200"
done
[[ $(curl -s -o /dev/null -w '%{http_code}' "$gw/bench") == 401 ]] || die "the authenticated route let a request without a cookie through"
log "nginx :$nginx_port, redis :$redis_port, baseline :$baseline_port, gateway :$gateway_port; signed in"

if [[ $mode == --hold ]]; then
  hold_file=${BENCH_HOLD_FILE:-/tmp/ssogateway-bench.env}
  {
    printf 'BASELINE_URL=%q\nANONYMOUS_URL=%q\nAUTHENTICATED_URL=%q\nCOOKIE=%q\n' \
      "${url[baseline]}" "${url[anonymous]}" "${url[authenticated]}" "$cookie"
    printf 'GATEWAY_PID=%s\nBASELINE_PID=%s\nREDIS_PORT=%s\nSUT_CPU=%s\nLOAD_CPU=%s\n' \
      "${pid[gateway]}" "${pid[baseline]}" "$redis_port" "$sut_cpu" "$load_cpu"
  } >"$hold_file"
  log "holding for at most ${BENCH_HOLD_SECONDS:-600} s (Ctrl-C stops everything); see $hold_file"
  sleep "${BENCH_HOLD_SECONDS:-600}" &
  pid[hold]=$!
  wait "${pid[hold]}" || true
  exit 0
fi

# run_wrk CONFIG CONNECTIONS SECONDS: one bounded wrk run; sets w_requests w_duration_us w_p50 w_p99 (us) w_errors
run_wrk() {
  local config=$1 conns=$2 seconds=$3 t=$threads line
  ((conns < t)) && t=$conns
  mapfile -t h < <(headers_for "$config")
  line=$(timeout $((seconds + 30)) taskset -c "$load_cpu" wrk -t"$t" -c"$conns" -d"${seconds}s" --timeout 5s \
    -s "$root/bench/wrk/report.lua" "${h[@]}" "${url[$config]}" | grep '^BENCH ') || die "wrk failed for $config"
  parse_bench "$line"
}
# parse_bench "BENCH requests=.. duration_us=.. p50_us=.. p99_us=.. non2xx=.. socket_errors=.. [touched=..]"
parse_bench() {
  local fields
  read -r -a fields <<<"$(sed -E 's/[a-z0-9_]+=//g; s/^BENCH //' <<<"$1")"
  w_requests=${fields[0]} w_duration_us=${fields[1]} w_p50=${fields[2]} w_p99=${fields[3]}
  w_errors=$((fields[4] + fields[5])) w_touched=${fields[6]:-0}
  w_rps=$(awk -v r="$w_requests" -v d="$w_duration_us" 'BEGIN { printf "%.1f", r / (d / 1e6) }')
}

# Redis commands so far, without our own INFO calls: "total get set other-commands..."
redis_calls() {
  rcli info commandstats | tr -d '\r' | awk -F'[:=,]' '/^cmdstat_/ { sub("cmdstat_", "", $1); if ($1 != "info") print $1, $3 }'
}
# write commands of a calls_delta line (anything that can change a session key)
writes_of() { tr ' ' '\n' | awk -F= '$1 ~ /^(set|setex|psetex|getex|expire|pexpire|expireat|pexpireat|del|unlink|hset|hmset|eval|evalsha|fcall)$/ { s += $2 } END { print s + 0 }'; }
# calls_delta BEFORE AFTER: "total name=n name=n ..." of the commands run between two snapshots
calls_delta() {
  awk 'NR == FNR { before[$1] = $2; next } { d = $2 - before[$1]; if (d > 0) { total += d; list = list " " $1 "=" d } }
       END { print total + 0 list }' <(printf '%s\n' "$1") <(printf '%s\n' "$2")
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# ---------------------------------------------------------------- warm-up and the moderate load level
log "warming up ${warmup} s per configuration"
for config in "${configs[@]}"; do run_wrk "$config" "$connections" "$warmup" >/dev/null; done
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

# ---------------------------------------------------------------- interleaved rounds
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
      log "round $round, $load, ${label[$config]}: $w_rps req/s, p99 $w_p99 us, $w_errors errors"
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

# ---------------------------------------------------------------- memory: many live sessions
rss_before_sessions=$(rss_mb "${pid[gateway]}")
redis_before=$(rcli info memory | tr -d '\r' | awk -F: '/^used_memory:/ { print $2 }')
log "creating $sessions sessions through the gateway's sign-in path (SessionSeeder)"
(cd "$seeder_dir" && timeout 300 taskset -c "$load_cpu" dotnet SessionSeeder.dll "$sessions" "$tmp/cookies.txt" bench "$browser_agent" \
  "${gateway_args[@]}" --Serilog:MinimumLevel:Default Warning) >"$tmp/seeder.log" 2>&1 || die "SessionSeeder failed"
redis_after=$(rcli info memory | tr -d '\r' | awk -F: '/^used_memory:/ { print $2 }')
auth_rps=$(median <<<"${rps[saturation.authenticated]}")
# every request of the pass misses the local caches (a Redis GET and a Data Protection unprotect each): assume a
# quarter of the cached throughput, so that every session is touched
memory_run=$(awk -v n="$sessions" -v r="$auth_rps" -v cap="$memory_seconds" \
  'BEGIN { s = int(1.2 * n / (r > 0 ? r / 4 : 1)) + 1; print (s > cap ? cap : s) }')
log "authenticated requests over the $sessions sessions for $memory_run s"
before=$(redis_calls)
line=$(timeout $((memory_run + 60)) taskset -c "$load_cpu" wrk -t"$threads" -c"$connections" -d"${memory_run}s" \
  --timeout 5s -s "$root/bench/wrk/sessions.lua" "${url[authenticated]}" -- "$tmp/cookies.txt" "$threads" sso_session \
  | grep '^BENCH ') || die "wrk failed for the memory pass"
memory_calls=$(calls_delta "$before" "$(redis_calls)" | cut -d' ' -f1)
parse_bench "$line"
rss_after_sessions=$(rss_mb "${pid[gateway]}")
hwm_after_sessions=$(hwm_mb "${pid[gateway]}")
live_sessions=$(rcli --scan --pattern 'sso:s:*' | wc -l)

# ---------------------------------------------------------------- many users, skewed popularity
((zipf_users > sessions)) && zipf_users=$sessions
# run_zipf CONFIG CONNECTIONS SECONDS: like run_wrk, each request with the cookie of a Zipf-picked user
run_zipf() {
  local config=$1 conns=$2 seconds=$3 t=$threads line
  ((conns < t)) && t=$conns
  line=$(timeout $((seconds + 60)) taskset -c "$load_cpu" wrk -t"$t" -c"$conns" -d"${seconds}s" --timeout 5s \
    -s "$root/bench/wrk/zipf.lua" "${url[$config]}" -- "$tmp/cookies.txt" "$zipf_users" sso_session "$zipf_s" \
    | grep '^BENCH ') || die "wrk failed for the many-users pass ($config)"
  parse_bench "$line"
}
log "many users: $zipf_users sessions, Zipf s=$zipf_s, warm-up ${warmup} s per configuration"
zipf_rss_before=$(rss_mb "${pid[gateway]}")
for config in "${configs[@]}"; do run_zipf "$config" "$connections" "$warmup" >/dev/null; done
declare -A z_rps=() z_p50=() z_p99=() z_calls=() z_requests=() z_ticks=() z_errors=() z_touched=()
for round in $(seq "$rounds"); do
  for load in saturation moderate; do
    conns=$connections
    [[ $load == moderate ]] && conns=$moderate
    for config in "${configs[@]}"; do
      sut=${pid[${process[$config]}]}
      key=$load.$config
      before=$(redis_calls) ticks_before=$(cpu_ticks "$sut")
      run_zipf "$config" "$conns" "$duration"
      after=$(redis_calls) ticks_after=$(cpu_ticks "$sut")
      delta=$(calls_delta "$before" "$after")
      z_rps[$key]+=" $w_rps" z_p50[$key]+=" $w_p50" z_p99[$key]+=" $w_p99"
      z_calls[$key]=$(( ${z_calls[$key]:-0} + ${delta%% *} ))
      z_requests[$key]=$(( ${z_requests[$key]:-0} + w_requests ))
      z_ticks[$key]=$(( ${z_ticks[$key]:-0} + ticks_after - ticks_before ))
      z_errors[$key]=$(( ${z_errors[$key]:-0} + w_errors ))
      z_touched[$key]=$w_touched
      log "many users, round $round, $load, ${label[$config]}: $w_rps req/s, p99 $w_p99 us, $w_touched users"
    done
  done
done
zipf_rss_after=$(rss_mb "${pid[gateway]}")
zipf_hwm=$(hwm_mb "${pid[gateway]}")
# Is the load generator the limit? How busy each core is during one more saturated authenticated run.
core_times() { awk -v c="cpu$1" '$1 == c { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat; }
busy_percent() { awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " "); d = y[2] - x[2]; printf "%.0f", (d > 0 ? 100 * (y[1] - x[1]) / d : 0) }'; }
sut_before=$(core_times "$sut_cpu") load_before=$(core_times "$load_cpu")
run_zipf authenticated "$connections" 3
sut_busy=$(busy_percent "$sut_before" "$(core_times "$sut_cpu")")
load_busy=$(busy_percent "$load_before" "$(core_times "$load_cpu")")

# ---------------------------------------------------------------- the report
us_to_ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f %%", 100 * a / b; else print "-" }'; }
per_request() { awk -v c="$1" -v r="$2" 'BEGIN { if (r > 0) printf "%.3f", c / r; else print "-" }'; }
sum() { tr ' ' '\n' | awk '{ s += $1 } END { print s + 0 }'; }

{
  echo "Run $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'),"
  echo "$(dotnet --version) SDK, $(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2), nginx $("$nginx_bin" -v 2>&1 | cut -d/ -f2), redis $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/')."
  echo "System under test on core $sut_cpu; wrk, nginx and redis on core $load_cpu. $rounds rounds x $duration s per configuration, interleaved, after a ${warmup} s warm-up each."
  echo "Saturation: wrk -t$threads -c$connections. Moderate: wrk -c$moderate (of 1/2/4/8/16 connections, the one whose throughput on the anonymous route came nearest half of its saturation throughput, $saturation req/s, in 2-second calibration runs; BENCH_MODERATE_CONNECTIONS fixes it)."
  echo
  echo "| configuration | load | req/s (median) | p50 ms | p99 ms | vs baseline | vs anonymous | CPU µs/req | Redis cmds/req | errors | RSS MB |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for load in saturation moderate; do
    for config in "${configs[@]}"; do
      key=$load.$config
      r=$(median <<<"${rps[$key]}")
      base=$(median <<<"${rps[$load.baseline]}")
      anon=$(median <<<"${rps[$load.anonymous]}")
      vs_anon="-"
      [[ $config == authenticated ]] && vs_anon=$(ratio "$r" "$anon")
      vs_base="-"
      [[ $config != baseline ]] && vs_base=$(ratio "$r" "$base")
      cmds="-"
      [[ $config != baseline ]] && cmds=$(per_request "$(sum <<<"${calls[$key]}")" "${requests[$key]}")
      conns=$connections
      [[ $load == moderate ]] && conns=$moderate
      load_text="$load (c=$conns)"
      [[ $load == moderate ]] && load_text="moderate (c=$conns, $(ratio "$r" "$(median <<<"${rps[saturation.$config]}")") of sat.)"
      cpu=$(awk -v t="${ticks[$key]}" -v hz="$clock_ticks" -v r="${requests[$key]}" 'BEGIN { if (r > 0) printf "%.0f", t / hz * 1e6 / r; else print "-" }')
      printf '| %s | %s | %.0f | %s | %s | %s | %s | %s | %s | %s | %s |\n' "${label[$config]}" "$load_text" "$r" \
        "$(us_to_ms "$(median <<<"${p50[$key]}")")" "$(us_to_ms "$(median <<<"${p99[$key]}")")" \
        "$vs_base" "$vs_anon" "$cpu" "$cmds" "${errors[$key]}" "${rss[$config]}"
    done
  done
  echo
  added=$(awk -v a="$(median <<<"${p99[moderate.authenticated]}")" -v b="$(median <<<"${p99[moderate.anonymous]}")" \
    'BEGIN { printf "%.3f", (a - b) / 1000 }')
  echo "- p99 the session check adds at moderate load (authenticated minus anonymous, medians): $added ms"
  echo "- Redis commands of one more ${mix_requests}-request authenticated run: $mix"
  mix_text=$(tr ' ' '\n' <<<"$write_mix" | awk -F= 'NF == 2 { c[$1] += $2 } END { for (k in c) printf "%s=%d ", k, c[k] }')
  echo "- Write commands to Redis during the $auth_seconds s of authenticated runs (one session; a sliding refresh is due once a minute by default): $auth_writes ${mix_text:+($mix_text)}"
  echo "- One session record: MEMORY USAGE $session_bytes bytes (JSON value $session_json bytes)"
  echo
  echo "Memory with many live sessions ($sessions created through the gateway's sign-in path by bench/SessionSeeder, then"
  echo "$w_requests authenticated requests round-robin over them in ${memory_run} s, touching $w_touched distinct sessions):"
  echo
  echo "| measure | value |"
  echo "|---|---:|"
  echo "| live sessions in Redis | $live_sessions |"
  echo "| Redis used_memory growth per session | $(awk -v a="$redis_after" -v b="$redis_before" -v n="$sessions" 'BEGIN { printf "%.0f bytes", (a - b) / n }') |"
  echo "| gateway RSS before the sessions | $rss_before_sessions MB |"
  echo "| gateway RSS after requests over them | $rss_after_sessions MB (peak $hwm_after_sessions MB) |"
  echo "| throughput / p99 over many sessions | ${w_rps%.*} req/s / $(us_to_ms "$w_p99") ms |"
  echo "| Redis commands per request | $(per_request "$memory_calls" "$w_requests") |"
  echo "| errors | $w_errors |"
  echo
  echo "Many users: the first $zipf_users of those sessions, each request's cookie picked Zipf-like (weight 1/k^$zipf_s),"
  echo "the same requests (cookies included) for every configuration; $rounds rounds x $duration s, medians."
  echo
  echo "| configuration | load | req/s | p50 ms | p99 ms | vs baseline | CPU µs/req | Redis cmds/req | distinct users/run | errors |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  for load in saturation moderate; do
    for config in "${configs[@]}"; do
      key=$load.$config
      r=$(median <<<"${z_rps[$key]}")
      base=$(median <<<"${z_rps[$load.baseline]}")
      vs_base="-"
      [[ $config != baseline ]] && vs_base=$(ratio "$r" "$base")
      cmds="-"
      [[ $config != baseline ]] && cmds=$(per_request "${z_calls[$key]}" "${z_requests[$key]}")
      cpu=$(awk -v t="${z_ticks[$key]}" -v hz="$clock_ticks" -v r="${z_requests[$key]}" 'BEGIN { if (r > 0) printf "%.0f", t / hz * 1e6 / r; else print "-" }')
      printf '| %s | %s | %.0f | %s | %s | %s | %s | %s | %s | %s |\n' "${label[$config]}" "$load" "$r" \
        "$(us_to_ms "$(median <<<"${z_p50[$key]}")")" "$(us_to_ms "$(median <<<"${z_p99[$key]}")")" \
        "$vs_base" "$cpu" "$cmds" "${z_touched[$key]}" "${z_errors[$key]}"
    done
  done
  echo
  z_added=$(awk -v a="$(median <<<"${z_p99[moderate.authenticated]}")" -v b="$(median <<<"${z_p99[moderate.anonymous]}")" \
    'BEGIN { printf "%.3f", (a - b) / 1000 }')
  echo "- p99 the session check adds at moderate load with many users (authenticated minus anonymous): $z_added ms"
  echo "- gateway RSS: $zipf_rss_before MB before the many-users pass, $zipf_rss_after MB after (peak $zipf_hwm MB)"
  echo "- during a saturated authenticated many-users run the gateway's core was $sut_busy % busy and the load core (wrk, nginx, Redis) $load_busy %: when the load core is the busier one, the generator, not the gateway, sets the pace"
} | tee "$out"
log "results also in ${out#"$root"/}"
