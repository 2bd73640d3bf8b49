#!/usr/bin/env bash
# Follows deploy/INSTALL.md on this machine, step by step, with PostgreSQL, to a running service,
# in a scratch folder instead of /opt, /etc and /var, and without root or systemd: the services
# run the ExecStart lines of deploy/systemd/*.service. It removes what it made at the end.
#
#   deploy/check-install.sh                       # installs a fresh venv (step 2) first
#   MENTORBOT_VENV=.venv deploy/check-install.sh  # reuses one (the test suite does)
#
# PG_ADMIN_URL: a PostgreSQL superuser connection (default postgres@127.0.0.1, trust auth).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
PG_ADMIN_URL=${PG_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
NAME="mentorbot_install_$$"
PIDS=()

say() { printf '\n== %s\n' "$*"; }
fail() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    psql "$PG_ADMIN_URL" -q -c "DROP DATABASE IF EXISTS $NAME WITH (FORCE)" >/dev/null 2>&1 || true
    psql "$PG_ADMIN_URL" -q -c "DROP DATABASE IF EXISTS ${NAME}_new WITH (FORCE)" >/dev/null 2>&1 || true
    psql "$PG_ADMIN_URL" -q -c "DROP ROLE IF EXISTS $NAME" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT
trap "exit 143" TERM INT

say "1. Requirements"
python3 -c 'import sys; assert sys.version_info >= (3, 11), sys.version' || fail "Python 3.11+"
for tool in psql pg_dump pg_restore; do
    command -v "$tool" >/dev/null || fail "$tool missing: apt-get install postgresql-client"
done

say "2. The program"
if [ -z "${MENTORBOT_VENV:-}" ]; then
    python3 -m venv "$WORK/venv"
    "$WORK/venv/bin/pip" install --quiet -c "$ROOT/constraints.txt" "$ROOT"
    MENTORBOT_VENV="$WORK/venv"
fi
export MENTORBOT_VENV=$(cd "$MENTORBOT_VENV" && pwd)
"$MENTORBOT_VENV/bin/mentorbot" --help >/dev/null

say "3. PostgreSQL"
PASSWORD=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
psql "$PG_ADMIN_URL" -q -v ON_ERROR_STOP=1 -c "CREATE ROLE $NAME LOGIN PASSWORD '$PASSWORD'"
psql "$PG_ADMIN_URL" -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE $NAME OWNER $NAME"

say "4. Settings"
PG_HOSTPORT=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(f"{p.hostname}:{p.port or 5432}")' "$PG_ADMIN_URL")
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -m 700 "$WORK/data" "$WORK/backups"
export MENTORBOT_ENV_FILE="$WORK/mentorbot.env"
(umask 027 && cat >"$MENTORBOT_ENV_FILE" <<EOF
APP_ENV=production
DATA_DIR=$WORK/data
DATABASE_URL=postgresql+asyncpg://$NAME:$PASSWORD@$PG_HOSTPORT/$NAME
SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')
PUBLIC_BASE_URL=https://mentor.example.dk
HOST=127.0.0.1
PORT=$PORT
EOF
)
mb() { "$ROOT/deploy/mb" "$@"; }

say "5. The schema"
mb db upgrade

say "6. Providers"
echo "(no Telegram, Twilio or SMTP credentials on a test machine: the channels stay off)"

say "7. The doctor"
set +e
mb doctor
code=$?
set -e
[ "$code" -le 1 ] || fail "doctor found errors (exit $code)"

say "8. Start"
for unit in mentorbot mentorbot-dispatcher; do
    line=$(grep '^ExecStart=' "$ROOT/deploy/systemd/$unit.service")
    args=${line#ExecStart=/opt/mentorbot/.venv/bin/mentorbot }
    [ "$args" != "$line" ] || fail "$unit.service does not start mentorbot from /opt/mentorbot/.venv"
    "$ROOT/deploy/mb" $args >"$WORK/$unit.log" 2>&1 &  # mb execs: $! is the service itself
    PIDS+=($!)
done
"$MENTORBOT_VENV/bin/python" - "$PORT" <<'EOF' || { cat "$WORK"/*.log; fail "no healthy service"; }
import json, sys, time, urllib.request
url = f"http://127.0.0.1:{sys.argv[1]}/healthz"
deadline = time.monotonic() + 60
while True:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            health = json.load(response)
        break
    except OSError:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.3)
assert health["status"] == "ok" and health["migrations"]["up_to_date"], health
print(f"healthz: version {health['version']}, revision {health['migrations']['current']}")
EOF
grep -q '"event": "dispatcher running"' "$WORK/mentorbot-dispatcher.log" \
    || { sleep 2; grep -q '"event": "dispatcher running"' "$WORK/mentorbot-dispatcher.log"; } \
    || fail "the dispatcher did not start: $(cat "$WORK/mentorbot-dispatcher.log")"
echo "the dispatcher logs JSON lines"

say "9. The first coordinator"
printf 'et-langt-kodeord-til-test\n' | mb coordinator add koordinator@kommune.dk --name "Koordinator"

say "10. The first import"
cat >"$WORK/unge.csv" <<'EOF'
first_name,birth_year,situation,interests,postcode,phone,email,ref
Sara,2003,unemployed,it;retail,8000,22 33 44 55,,J-101
Ida,2000,unemployed,,8270,,ida@example.dk,J-105
EOF
mb import youths "$WORK/unge.csv" --dry-run
mb import youths "$WORK/unge.csv"

say "11. Backups"
BACKUP="$WORK/backups/mentorbot-$(date +%F).backup"
mb backup "$BACKUP"
contents=$(pg_restore --list "$BACKUP")
grep -q "TABLE DATA public people" <<<"$contents" || fail "the backup holds no people"
echo "the backup holds $(grep -c 'TABLE DATA' <<<"$contents") tables' data"
# A restore into a new, empty database owned by the same role (as after losing the server).
psql "$PG_ADMIN_URL" -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE ${NAME}_new OWNER $NAME"
sed "s|/$NAME\$|/${NAME}_new|" "$MENTORBOT_ENV_FILE" >"$WORK/restore.env"
MENTORBOT_ENV_FILE="$WORK/restore.env" mb restore "$BACKUP"
psql "$PG_ADMIN_URL" -q -c "DROP DATABASE ${NAME}_new WITH (FORCE)"

say "12. Upgrades"
mb db upgrade

say "The service runs: installation steps 1-12 done"
