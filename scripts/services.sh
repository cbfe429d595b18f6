#!/usr/bin/env bash
# Starts each test server (PostgreSQL, MariaDB, Redis) that is not answering, with
# the commands this machine kind documents, and waits until all three answer.
set -euo pipefail

answering() {
  case "$1" in
    postgres) pg_isready -q -h 127.0.0.1 -p 5432 ;;
    mariadb) mariadb-admin --protocol=tcp -h 127.0.0.1 -P 3306 -u root ping >/dev/null 2>&1 ;;
    redis) [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ] ;;
  esac
}

start() {
  case "$1" in
    postgres) pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start ;;
    mariadb) start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd ;;
    redis) redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
             --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log ;;
  esac
}

for service in postgres mariadb redis; do
  if answering "$service"; then
    echo "services: $service is answering"
    continue
  fi
  echo "services: starting $service"
  start "$service" || echo "services: starting $service failed" >&2
  for _ in $(seq 1 60); do
    answering "$service" && break
    sleep 1
  done
  if answering "$service"; then
    echo "services: $service is answering"
  else
    echo "services: $service did not come up; its tests will fail under CI=true" >&2
  fi
done
