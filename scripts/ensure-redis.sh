#!/usr/bin/env bash
# Starts Debian's redis-server on 127.0.0.1:6379 (nothing on disk) when nothing answers there.
set -euo pipefail
if redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; then
  exit 0
fi
echo "ensure-redis: no Redis on 127.0.0.1:6379, starting redis-server"
mkdir -p /var/lib/redis /var/log/redis
redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no \
  --dir /var/lib/redis --logfile /var/log/redis/ci.log
for _ in $(seq 50); do
  redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG && exit 0
  sleep 0.1
done
echo "ensure-redis: redis-server did not answer on 127.0.0.1:6379" >&2
exit 1
