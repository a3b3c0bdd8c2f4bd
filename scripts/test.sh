#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what the tests need when it is missing
# (redis-server and redis-sentinel, Debian's chromium for the browser test, Node and the test OpenID
# provider's npm packages from its lock file, nginx, caddy and openssl for the deploy/ examples, PostgreSQL, MariaDB,
# slapd, ldap-utils and php-cli for the directory tests), then runs every test and ends with the line
# "N passed, M failed". Extra arguments go to `dotnet test`. The tests start their own servers on free loopback
# ports in temporary folders; the system services are never used (apt is told not to start them when it installs them).
set -uo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-sentinel >/dev/null 2>&1 || missing+=(redis-sentinel)
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
[[ -x /usr/sbin/nginx ]] || missing+=(nginx)
# The forward-auth examples (deploy/forward-auth) run in front of a gateway: nginx above, and Caddy.
command -v caddy >/dev/null 2>&1 || missing+=(caddy)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
# The directory tests start their own PostgreSQL, MariaDB and OpenLDAP servers (never the system services) and
# check hashes written by PHP's password_hash.
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
[[ -x /usr/sbin/mariadbd ]] || missing+=(mariadb-server)
[[ -x /usr/sbin/slapd ]] || missing+=(slapd)
command -v ldapadd >/dev/null 2>&1 || missing+=(ldap-utils)
command -v php >/dev/null 2>&1 || missing+=(php-cli)
if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  echo "Installing ${missing[*]} from apt..."
  $sudo apt-get update -qq
  # Keep package scripts from starting system services (nginx would take port 80): policy-rc.d answers "no".
  guard=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null && $sudo chmod +x /usr/sbin/policy-rc.d && guard=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [[ -n $guard ]] && $sudo rm -f /usr/sbin/policy-rc.d
fi

# The OpenID Connect tests run oidc-provider (npm) as their identity provider, pinned by its lock file.
provider="Gateway.Tests/OpenIdConnect/Provider"
if [[ ! -f $provider/node_modules/oidc-provider/package.json ]]; then
  echo "Installing the test OpenID provider's npm packages..."
  (cd "$provider" && npm ci --no-audit --no-fund --loglevel=error) || { echo "0 passed, 1 failed"; exit 1; }
fi
# The signed-identity tests check tokens with jose (npm), pinned by its lock file.
verifier="Gateway.Tests/Assertion/Verifier"
if [[ ! -f $verifier/node_modules/jose/package.json ]]; then
  echo "Installing the assertion verifier's npm packages..."
  (cd "$verifier" && npm ci --no-audit --no-fund --loglevel=error) || { echo "0 passed, 1 failed"; exit 1; }
fi

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
results="TestResults"
rm -rf "$results"
dotnet test SsoGateway.sln --logger "trx;LogFileName=results.trx" --logger "console;verbosity=normal" \
  --results-directory "$results" "$@"
status=$?

trx="$results/results.trx"
if [[ ! -f $trx ]]; then
  echo "0 passed, 1 failed"
  exit 1
fi
counters=$(grep -o '<Counters [^>]*>' "$trx")
passed=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
failed=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
errors=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters")
failed=$(( ${failed:-0} + ${errors:-0} ))
echo "${passed:-0} passed, ${failed} failed"
if (( status != 0 || failed > 0 || ${passed:-0} == 0 )); then
  exit 1
fi
