#!/usr/bin/env bash
# The load figures of BENCHMARKS.md: examples/receiver.rs (release), served with its
# limits, under examples/load.rs on loopback, with each deduplication store in turn, and a
# bare axum handler that only reads the body, as the baseline.
# Needs Redis and PostgreSQL as the tests use them (LAGO_TEST_REDIS_URL,
# LAGO_TEST_POSTGRES_URL); the keys and the table it leaves are removed at the end.
#
# bash benches/load.sh [CONNECTIONS] [DELIVERIES]
set -euo pipefail
cd "$(dirname "$0")/.."
connections=${1:-32}
deliveries=${2:-100000}
redis_url=${LAGO_TEST_REDIS_URL:-redis://127.0.0.1:6379}
postgres_url=${LAGO_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
port=3917
export LAGO_HMAC_KEY=load-test-hmac-key

cargo build --quiet --release --example receiver --example load

rss() { awk '/VmRSS/ { printf "%.1f MiB", $2 / 1024 }' "/proc/$1/status"; }

run() {
    local store=$1 url=$2
    if [ "$store" = bare ]; then
        target/release/examples/load --serve-bare $port > /dev/null 2>&1 &
    elif [ -n "$url" ]; then
        LAGO_DEDUP_URL=$url PORT=$port target/release/examples/receiver > /dev/null 2>&1 &
    else
        PORT=$port target/release/examples/receiver > /dev/null 2>&1 &
    fi
    local pid=$!
    for _ in $(seq 100); do
        (exec 3<>/dev/tcp/127.0.0.1/$port) 2> /dev/null && break
        sleep 0.1
    done
    local before
    before=$(rss $pid)
    printf '%-10s ' "$store"
    target/release/examples/load "http://127.0.0.1:$port/webhooks" "$connections" "$deliveries"
    printf '%-10s memory %s before, %s after\n' "" "$before" "$(rss $pid)"
    kill $pid
    wait $pid 2> /dev/null || true
}

run bare ""
run memory ""
run redis "$redis_url"
run postgres "$postgres_url"

# What the stores kept of this run.
if command -v redis-cli > /dev/null; then
    redis-cli -u "$redis_url" --scan --pattern 'lago-webhooks:*' | xargs -r -n 1000 redis-cli -u "$redis_url" del > /dev/null
fi
if command -v psql > /dev/null; then
    psql "$postgres_url" -q -c 'DROP TABLE IF EXISTS lago_webhook_deliveries'
fi
