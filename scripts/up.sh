#!/usr/bin/env bash
# `make up`: from a fresh clone to a running Fieldbook with a demo tenant, in one command.
#
#  1. make install (the .venv with every package present)
#  2. check that RabbitMQ (AMQP_URL) and, where a DATABASE_URL_* names one, PostgreSQL answer
#     (a stack off port 8000 gets a RabbitMQ vhost of its own: devstack.py amqp-url)
#  3. INTERNAL_TOKEN and QUOTE_LINK_SECRET: generated once, kept in var/secrets.env
#  4. migrations: python -m <package>.manage migrate, for each service present, then the gateway
#  5. var/Procfile from the packages present; honcho in the background (own session),
#     logs in var/log/fieldbook.log, pid in var/run/honcho.pid
#  6. wait for the gateway's /readyz, with a deadline
#  7. demo tenant + admin key (once; kept in var/demo.env), demo customers (once)
#  8. print the gateway URL, the key and a curl to try
#
# Settings come from the environment (README: Configuration). Defaults: SQLite files under var/
# (FIELDBOOK_VAR), the local RabbitMQ. UP_TIMEOUT (seconds, default 90) bounds the wait in step 6.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
VAR=$(realpath -m "${FIELDBOOK_VAR:-$ROOT/var}")
BIN="$ROOT/.venv/bin"
PY="$BIN/python"
LOG="$VAR/log/fieldbook.log"
PIDFILE="$VAR/run/honcho.pid"
# Ports (docs/architecture.md §1): the gateway on FIELDBOOK_PORT_BASE (default 8000), the services on base+1..5,
# the SMTP sink on base+25, the Sage simulator on base+90, the SMS simulator on base+91; another base runs a
# second stack beside it.
PORT_BASE=${FIELDBOOK_PORT_BASE:-8000}
[[ "$PORT_BASE" =~ ^[0-9]+$ ]] || { echo "error: FIELDBOOK_PORT_BASE must be a port number" >&2; exit 1; }
export FIELDBOOK_PORT_BASE=$PORT_BASE
GATEWAY_PORT=$PORT_BASE
GATEWAY_URL="http://127.0.0.1:$GATEWAY_PORT"
DEMO_TENANT_NAME="Demo Heating Ltd"

step() { printf '==> %s\n' "$*"; }
die() { printf '\nerror: %s\n' "$*" >&2; exit 1; }

# ------------------------------------------------------------------------------------ 1. install
step "installing (make install)"
"${MAKE:-make}" -s -C "$ROOT" --no-print-directory install

export PATH="$BIN:$PATH"
export FIELDBOOK_VAR="$VAR"
export AMQP_URL="${AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/%2F}"
# Another port base is another stack: unless AMQP_URL names a vhost, it gets one of its own on the
# same broker (fieldbook-<base>, created if missing), so two stacks never share a queue.
AMQP_URL=$("$PY" "$ROOT/scripts/devstack.py" amqp-url) || exit 1
mkdir -p "$VAR/log" "$VAR/run"

# Which packages are installed and can run: lines "<service> <package> <port> <app,worker,manage>".
mapfile -t MODULES < <("$PY" "$ROOT/scripts/devstack.py" modules)
has_part() { [[ ",$1," == *",$2,"* ]]; }
gateway_parts=""
comms_parts=""
for line in "${MODULES[@]}"; do
  read -r service _ _ parts <<<"$line"
  [ "$service" = gateway ] && gateway_parts=$parts
  [ "$service" = comms ] && comms_parts=$parts
  [ "$service" = accounting-sync ] && accounting_parts=$parts
done
# accounting-sync talks to the Sage simulator (docs/architecture.md §1, port 8090) unless SAGE_BASE_URL names a real Sage
SAGE_SIMULATOR_PORT=$((PORT_BASE + 90))
sage_simulator=0
if has_part "${accounting_parts:-}" worker && [ -z "${SAGE_BASE_URL:-}" ]; then
  sage_simulator=1
  export SAGE_BASE_URL="http://127.0.0.1:$SAGE_SIMULATOR_PORT"
fi
run_sage_simulator() { [ $sage_simulator -eq 1 ]; }
# comms sends its email to a local SMTP sink (docs/architecture.md §1, port 8025) that keeps each message in var/mail/,
# unless SMTP_HOST names a real server
SMTP_SINK_PORT=$((PORT_BASE + 25))
smtp_sink=0
if has_part "${comms_parts:-}" worker && [ -z "${SMTP_HOST:-}" ]; then
  smtp_sink=1
  export SMTP_HOST=127.0.0.1 SMTP_PORT=$SMTP_SINK_PORT
fi
run_smtp_sink() { [ $smtp_sink -eq 1 ]; }
# comms texts through the SMS provider simulator (docs/architecture.md §1, port 8091) unless SMS_PROVIDER_URL names
# a real provider; its delivery receipts come back through the gateway, signed with SMS_RECEIPT_SECRET
SMS_SIMULATOR_PORT=$((PORT_BASE + 91))
sms_simulator=0
if has_part "${comms_parts:-}" worker && [ -z "${SMS_PROVIDER_URL:-}" ]; then
  sms_simulator=1
  export SMS_PROVIDER_URL="http://127.0.0.1:$SMS_SIMULATOR_PORT"
fi
run_sms_simulator() { [ $sms_simulator -eq 1 ]; }
export SMS_STATUS_CALLBACK_URL="${SMS_STATUS_CALLBACK_URL:-$GATEWAY_URL/v1/public/sms-receipts}"
MAIL_DIR="$VAR/mail"
# Each service finds the others at their local ports (CUSTOMERS_URL, BILLING_URL, ...).
for line in "${MODULES[@]}"; do
  read -r service _ port _ <<<"$line"
  [ "$service" = gateway ] && continue
  name=$(tr 'a-z-' 'A-Z_' <<<"$service")_URL
  export "$name=http://127.0.0.1:$port"
done
if ! has_part "$gateway_parts" app || ! has_part "$gateway_parts" manage; then
  die "the gateway package (gateway.app, gateway.manage) is not installed yet: nothing to start."
fi

# Already running? Then only make sure it is ready and print how to use it.
running=0
if [ -f "$PIDFILE" ] && pid=$(cat "$PIDFILE") && [ -n "$pid" ] \
  && { tr '\0' '\n' <"/proc/$pid/environ"; } 2>/dev/null | grep -qxF "FIELDBOOK_STACK=$VAR"; then
  running=1
  step "Fieldbook is already running (honcho pid $pid); \`make down\` first to restart it with new code"
fi

# ------------------------------------------------------------------------------- 2. preflight
ports=()
if [ $running -eq 0 ]; then
  for line in "${MODULES[@]}"; do
    read -r _ _ port parts <<<"$line"
    has_part "$parts" app && ports+=("$port")
  done
  run_smtp_sink && ports+=("$SMTP_SINK_PORT")
  run_sage_simulator && ports+=("$SAGE_SIMULATOR_PORT")
  run_sms_simulator && ports+=("$SMS_SIMULATOR_PORT")
fi
step "checking the broker and databases"
"$PY" "$ROOT/scripts/devstack.py" preflight --ports "${ports[@]}" || exit 1
# partitioned consumers (CONSUMER_PARTITIONS, docs/architecture.md §4) need the broker's
# consistent-hash exchange: enabled here when the broker is this machine's (idempotent)
if command -v rabbitmq-plugins >/dev/null 2>&1 && rabbitmqctl -q status >/dev/null 2>&1; then
  rabbitmq-plugins -q enable rabbitmq_consistent_hash_exchange >/dev/null 2>&1 \
    || echo "note: could not enable rabbitmq_consistent_hash_exchange (needed with CONSUMER_PARTITIONS)"
fi

# --------------------------------------------------------------------------- 3. secrets
# INTERNAL_TOKEN (the services trust the gateway by it), QUOTE_LINK_SECRET (billing signs quotes'
# acceptance links with it), SMS_API_KEY and SMS_RECEIPT_SECRET (comms and the SMS simulator share them):
# each generated once and kept in var/secrets.env; the environment wins.
SECRETS="$VAR/secrets.env"
keep_secret() {
  local name=$1 value=${!1:-}
  if [ -z "$value" ] && [ -f "$SECRETS" ]; then
    value=$(sed -n "s/^$name=//p" "$SECRETS" | tail -n 1)
  fi
  if [ -z "$value" ]; then
    value=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(32))')
    (umask 077 && printf '%s=%s\n' "$name" "$value" >>"$SECRETS")
    step "generated $name (kept in ${SECRETS#"$ROOT"/})"
  fi
  export "$name=$value"
}
keep_secret INTERNAL_TOKEN
keep_secret QUOTE_LINK_SECRET
keep_secret CONSOLE_SECRET_KEY  # signs the console's cookie
keep_secret SMS_API_KEY
keep_secret SMS_RECEIPT_SECRET
export GATEWAY_URL  # the console calls the public API there

if [ $running -eq 0 ]; then
  # ------------------------------------------------------------------------------ 4. migrations
  for line in "${MODULES[@]}"; do  # services first, the gateway last (it is listed last)
    read -r service package _ parts <<<"$line"
    has_part "$parts" manage || continue
    step "migrating $service (python -m $package.manage migrate)"
    "$PY" -m "$package.manage" migrate || die "the migration of $service failed (see above)."
  done

  # --------------------------------------------------------------------------- 5. start
  procfile="$VAR/Procfile"
  upstreams=()
  : >"$procfile.new"
  rm -rf "$VAR/run/prometheus"
  for line in "${MODULES[@]}"; do
    read -r service package port parts <<<"$line"
    web_name=$service-web
    [ "$service" = gateway ] && web_name=gateway
    for kind in web worker; do
      if [ $kind = web ]; then
        has_part "$parts" app || continue
        name=$web_name
        command="gunicorn -c python:fieldbook_shared.gunicorn_conf -b 127.0.0.1:$port '$package.app:create_app()'"
        # the console is a client the gateway serves at /console, not an upstream of its /v1
        [ "$service" = gateway ] || [ "$service" = console ] || upstreams+=("$service")
      else
        if [ "$service" = gateway ] || ! has_part "$parts" worker; then continue; fi
        name=$service-worker
        command="python -m $package.worker"
      fi
      metrics="$VAR/run/prometheus/$name"
      mkdir -p "$metrics"
      printf '%s: PROMETHEUS_MULTIPROC_DIR=%q exec %s\n' "$name" "$metrics" "$command" >>"$procfile.new"
    done
  done
  if run_smtp_sink; then
    printf 'smtp-sink: exec python scripts/smtp_sink.py --port %s --dir %q\n' "$SMTP_SINK_PORT" "$MAIL_DIR" >>"$procfile.new"
  fi
  if run_sage_simulator; then
    printf 'sage-simulator: exec python -m sage_simulator --port %s\n' "$SAGE_SIMULATOR_PORT" >>"$procfile.new"
  fi
  if run_sms_simulator; then
    printf 'sms-simulator: exec python -m sms_simulator --port %s\n' "$SMS_SIMULATOR_PORT" >>"$procfile.new"
  fi
  mv "$procfile.new" "$procfile"
  # The gateway routes to, merges the OpenAPI of and waits in /readyz for the services that run here.
  GATEWAY_UPSTREAMS=$(IFS=,; echo "${upstreams[*]}")
  export GATEWAY_UPSTREAMS

  step "starting: $(cut -d: -f1 "$procfile" | paste -sd' ' -) (logs: ${LOG#"$ROOT"/})"
  rm -f "$PIDFILE"
  printf '\n===== make up %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >>"$LOG"
  # setsid: honcho leads a session and process group of its own, so `make down` can signal the
  # group and no terminal hang-up reaches it. FIELDBOOK_STACK marks every process of this stack.
  # `-e /dev/null`: honcho must not pick up a .env lying in the repository root.
  # shellcheck disable=SC2016 # $$ is expanded by the inner bash: its own pid, which honcho keeps
  FIELDBOOK_STACK="$VAR" PYTHONUNBUFFERED=1 setsid bash -c \
    'echo $$ >"$0"; exec nohup "$1" -f "$2" -d "$3" -e /dev/null start' \
    "$PIDFILE" "$BIN/honcho" "$procfile" "$ROOT" >>"$LOG" 2>&1 </dev/null &
  for _ in $(seq 50); do [ -s "$PIDFILE" ] && break; sleep 0.1; done
  [ -s "$PIDFILE" ] || die "honcho did not start; see ${LOG#"$ROOT"/}"
  pid=$(cat "$PIDFILE")
fi

# ------------------------------------------------------------------------------ 6. wait ready
step "waiting for $GATEWAY_URL/readyz"
if ! why=$("$PY" "$ROOT/scripts/devstack.py" wait-ready "$GATEWAY_URL/readyz" --pid "$pid" \
  --timeout "${UP_TIMEOUT:-90}" 2>&1); then
  printf '\n----- last lines of %s\n' "$LOG" >&2
  tail -n 60 "$LOG" >&2 || true
  printf -- '-----\n\n%s\n' "$why" >&2
  if [ $running -eq 0 ]; then
    bash "$ROOT/scripts/down.sh" --quiet || true
    die "Fieldbook did not become ready; it has been stopped again. The whole log: ${LOG#"$ROOT"/}"
  fi
  die "the running Fieldbook is not ready. Follow it with \`make logs\`, or restart it: make down && make up"
fi

# ----------------------------------------------------------------------- 7. demo tenant + data
DEMO="$VAR/demo.env"
DEMO_TENANT_ID="" DEMO_API_KEY="" DEMO_DATA_LOADED=""
if [ -f "$DEMO" ]; then
  DEMO_TENANT_ID=$(sed -n 's/^DEMO_TENANT_ID=//p' "$DEMO" | tail -n 1)
  DEMO_API_KEY=$(sed -n 's/^DEMO_API_KEY=//p' "$DEMO" | tail -n 1)
  DEMO_DATA_LOADED=$(sed -n 's/^DEMO_DATA_LOADED=//p' "$DEMO" | tail -n 1)
fi
save_demo() {
  (umask 077 && printf 'DEMO_TENANT_ID=%s\nDEMO_API_KEY=%s\nDEMO_DATA_LOADED=%s\n' \
    "$DEMO_TENANT_ID" "$DEMO_API_KEY" "$DEMO_DATA_LOADED" >"$DEMO")
}
key_status() { "$PY" "$ROOT/scripts/devstack.py" status "$GATEWAY_URL/v1/customers?page_size=1" --key="$1"; }

status=none
if [ -n "$DEMO_API_KEY" ]; then
  status=$(key_status "$DEMO_API_KEY")
  case "$status" in
    200) ;;
    401 | 403) step "the saved demo key is refused ($status), e.g. after a new gateway database: making a new one" ;;
    *) die "GET $GATEWAY_URL/v1/customers with the demo key answered $status; see \`make logs\`." ;;
  esac
fi
if [ "$status" != 200 ]; then
  DEMO_TENANT_ID=$("$PY" -m gateway.manage create-tenant "$DEMO_TENANT_NAME") \
    || die "python -m gateway.manage create-tenant failed (see above)."
  DEMO_API_KEY=$("$PY" -m gateway.manage create-key --tenant "$DEMO_TENANT_ID" --role admin --name demo-admin) \
    || die "python -m gateway.manage create-key failed (see above)."
  [[ -n "$DEMO_TENANT_ID" && "$DEMO_TENANT_ID" != *$'\n'* && -n "$DEMO_API_KEY" && "$DEMO_API_KEY" != *$'\n'* ]] \
    || die "gateway.manage should print only the tenant id / the key on stdout (got '$DEMO_TENANT_ID' / '$DEMO_API_KEY')."
  DEMO_DATA_LOADED=""
  save_demo
  step "created the demo tenant \"$DEMO_TENANT_NAME\" ($DEMO_TENANT_ID) and an admin key (kept in ${DEMO#"$ROOT"/})"
fi
if [ "$DEMO_DATA_LOADED" != yes ]; then
  step "loading the demo customers"
  "$PY" "$ROOT/scripts/demo_data.py" --url "$GATEWAY_URL" --key="$DEMO_API_KEY" \
    || die "loading the demo data failed (see above); Fieldbook is running: \`make logs\`, then \`make up\` again."
  DEMO_DATA_LOADED=yes
  save_demo
fi
# A person to log in to the console as (once): an admin of the demo tenant, its password kept in
# var/demo.env beside the key.
DEMO_USER_EMAIL="office@demo-heating.example"
DEMO_USER_PASSWORD=$(sed -n 's/^DEMO_USER_PASSWORD=//p' "$DEMO" 2>/dev/null | tail -n 1)
if [ -z "$DEMO_USER_PASSWORD" ]; then
  DEMO_USER_PASSWORD=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(12))')
  FIELDBOOK_NEW_PASSWORD="$DEMO_USER_PASSWORD" "$PY" -m gateway.manage create-user --tenant "$DEMO_TENANT_ID" \
    --email "$DEMO_USER_EMAIL" --role admin --name "Office (demo)" >/dev/null \
    || die "python -m gateway.manage create-user failed (see above)."
  (umask 077 && printf 'DEMO_USER_EMAIL=%s\nDEMO_USER_PASSWORD=%s\n' "$DEMO_USER_EMAIL" "$DEMO_USER_PASSWORD" >>"$DEMO")
  step "created the console user $DEMO_USER_EMAIL (password kept in ${DEMO#"$ROOT"/})"
fi

# ------------------------------------------------------------------------------------- 8. done
cat <<EOF

Fieldbook is up.

  gateway   $GATEWAY_URL        (API docs: $GATEWAY_URL/docs)
  tenant    $DEMO_TENANT_NAME ($DEMO_TENANT_ID)
  API key   $DEMO_API_KEY   (role admin)
  console   $GATEWAY_URL/console   log in as $DEMO_USER_EMAIL, password $DEMO_USER_PASSWORD

Try it:

  curl -s -H 'Authorization: Bearer $DEMO_API_KEY' '$GATEWAY_URL/v1/customers?page_size=10'

make logs   follow the logs      make down   stop everything
EOF
if run_smtp_sink; then
  printf '\nEmail from comms goes to the local SMTP sink (127.0.0.1:%s): each message is kept as a .eml in %s\n' \
    "$SMTP_SINK_PORT" "${MAIL_DIR#"$ROOT"/}"
fi
if run_sms_simulator; then
  printf 'SMS from comms go to the local SMS simulator: curl -s http://127.0.0.1:%s/__admin/messages lists them\n' \
    "$SMS_SIMULATOR_PORT"
fi
