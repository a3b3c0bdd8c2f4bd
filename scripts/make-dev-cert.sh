#!/usr/bin/env bash
# A self-signed certificate for trying the TLS examples (deploy/nginx, Compose): one certificate for DOMAIN and
# *.DOMAIN, valid for 30 days, written as DOMAIN.fullchain.pem and DOMAIN.key.pem into FOLDER.
# Browsers warn about it (nobody vouches for it); never use it in production.
#   bash scripts/make-dev-cert.sh [FOLDER] [DOMAIN]     defaults: deploy/compose/tls example.com
set -euo pipefail
cd "$(dirname "$0")/.."
folder=${1:-deploy/compose/tls}
domain=${2:-example.com}
if [[ ! $domain =~ ^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$ ]]; then
  echo "make-dev-cert: '$domain' is not a domain name" >&2
  exit 2
fi
command -v openssl >/dev/null || { echo "make-dev-cert: openssl is not installed (apt-get install openssl)" >&2; exit 1; }
mkdir -p "$folder"
key="$folder/$domain.key.pem"
cert="$folder/$domain.fullchain.pem"
# The key is written private (0600) from the start.
(umask 077 && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
  -subj "/CN=$domain" -addext "subjectAltName=DNS:$domain,DNS:*.$domain" \
  -addext "extendedKeyUsage=serverAuth" -keyout "$key" -out "$cert" 2>/dev/null)
chmod 644 "$cert"
echo "wrote $cert and $key (self-signed, 30 days, $domain and *.$domain)"
