#!/usr/bin/env bash
# The load figures of BENCHMARKS.md: examples/receiver.rs (release), served with its
# limits, under examples/load.rs on loopback:
# - handling as deliveries arrive, deduplicating in memory, Redis and PostgreSQL;
# - accepting into an inbox (LAGO_INBOX_ROLE=receiver): in memory, PostgreSQL, NATS
#   JetStream and RabbitMQ; then, for each durable engine, a worker process alone
#   (LAGO_INBOX_ROLE=worker) draining what was accepted;
# - a bare axum handler that only reads the body, as the baseline.
# Needs the machine's services as the tests use them (LAGO_TEST_REDIS_URL,
# LAGO_TEST_POSTGRES_URL, LAGO_TEST_NATS_URL, LAGO_TEST_AMQP_URL); what it makes on them is
# removed at the end, or by its next run.
#
# bash benches/load.sh [CONNECTIONS] [DELIVERIES]
set -euo pipefail
cd "$(dirname "$0")/.."
connections=${1:-32}
deliveries=${2:-100000}
redis_url=${LAGO_TEST_REDIS_URL:-redis://127.0.0.1:6379}
postgres_url=${LAGO_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
nats_url=${LAGO_TEST_NATS_URL:-nats://127.0.0.1:4222}
amqp_url=${LAGO_TEST_AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/%2f}
port=3917
export LAGO_HMAC_KEY=load-test-hmac-key
# Names of this script's own, for the inbox engines.
export LAGO_INBOX_NAME_POSTGRES=lago_webhooks_load_inbox
export LAGO_INBOX_NAME_NATS=LAGO_WEBHOOKS_LOAD
export LAGO_INBOX_NAME_AMQP=lago-webhooks-load

cargo build --quiet --release --example receiver --example load

rss() { awk '/VmRSS/ { printf "%.1f MiB", $2 / 1024 }' "/proc/$1/status"; }

wait_for_port() {
    for _ in $(seq 200); do
        (exec 3<> /dev/tcp/127.0.0.1/$port) 2> /dev/null && return 0
        sleep 0.1
    done
    echo "nothing listens on $port" >&2
    return 1
}

# run NAME [VAR=VALUE ...]: serves the receiver with those settings and loads it.
run() {
    local name=$1
    shift
    if [ "$name" = bare ]; then
        target/release/examples/load --serve-bare $port > /dev/null 2>&1 &
    else
        env PORT=$port "$@" target/release/examples/receiver > /dev/null 2>&1 &
    fi
    local pid=$!
    wait_for_port
    local before
    before=$(rss $pid)
    printf '%-18s ' "$name"
    target/release/examples/load "http://127.0.0.1:$port/webhooks" "$connections" "$deliveries"
    printf '%-18s memory %s before, %s after\n' "" "$before" "$(rss $pid)"
    kill $pid
    wait $pid 2> /dev/null || true
}

# drain NAME [VAR=VALUE ...]: a worker alone on the inbox, timed until it has handled
# every delivery accepted (it prints one line for each).
drain() {
    local name=$1 log
    shift
    log=$(mktemp)
    local start
    start=$(date +%s.%N)
    env LAGO_INBOX_ROLE=worker "$@" target/release/examples/receiver > "$log" 2>&1 &
    local pid=$!
    while [ "$(grep -c '^fee.created' "$log")" -lt "$deliveries" ]; do
        if ! kill -0 $pid 2> /dev/null; then
            echo "the $name worker stopped:" >&2
            cat "$log" >&2
            return 1
        fi
        sleep 0.2
    done
    local end
    end=$(date +%s.%N)
    kill $pid
    wait $pid 2> /dev/null || true
    rm -f "$log"
    awk -v n="$deliveries" -v s="$start" -v e="$end" -v name="$name" \
        'BEGIN { printf "%-18s drained %d deliveries in %.2f s: %.0f/s\n", name, n, e - s, n / (e - s) }'
}

target/release/examples/load --delete-inboxes "$postgres_url" "$nats_url" "$amqp_url"

run bare
run direct
run direct-redis LAGO_DEDUP_URL="$redis_url"
run direct-postgres LAGO_DEDUP_URL="$postgres_url"
run inbox-memory LAGO_INBOX_URL=memory: LAGO_INBOX_ROLE=receiver
run inbox-postgres LAGO_INBOX_URL="$postgres_url" LAGO_INBOX_NAME=$LAGO_INBOX_NAME_POSTGRES LAGO_INBOX_ROLE=receiver
drain inbox-postgres LAGO_INBOX_URL="$postgres_url" LAGO_INBOX_NAME=$LAGO_INBOX_NAME_POSTGRES
run inbox-nats LAGO_INBOX_URL="$nats_url" LAGO_INBOX_NAME=$LAGO_INBOX_NAME_NATS LAGO_INBOX_ROLE=receiver
drain inbox-nats LAGO_INBOX_URL="$nats_url" LAGO_INBOX_NAME=$LAGO_INBOX_NAME_NATS
run inbox-rabbitmq LAGO_INBOX_URL="$amqp_url" LAGO_INBOX_NAME=$LAGO_INBOX_NAME_AMQP LAGO_INBOX_ROLE=receiver
drain inbox-rabbitmq LAGO_INBOX_URL="$amqp_url" LAGO_INBOX_NAME=$LAGO_INBOX_NAME_AMQP

# What the stores kept of this run.
target/release/examples/load --delete-inboxes "$postgres_url" "$nats_url" "$amqp_url"
if command -v redis-cli > /dev/null; then
    redis-cli -u "$redis_url" --scan --pattern 'lago-webhooks:*' | xargs -r -n 1000 redis-cli -u "$redis_url" del > /dev/null
fi
if command -v psql > /dev/null; then
    psql "$postgres_url" -q -c 'DROP TABLE IF EXISTS lago_webhook_deliveries'
fi
