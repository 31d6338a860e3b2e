#!/usr/bin/env bash
# make demo: start the tracking server on the embedded default (SQLite and a
# local blob directory under .demo/), log a real GoMLX training run and a run
# with every media type to it, and say where to look. The server keeps running
# afterwards so the dashboard can be opened; `make demo-stop` stops it.
#
#   DEMO_ADDR=127.0.0.1:8080  where the server listens
#   DEMO_DATA=.demo            the server's data, its binary and the demo's API key
#   DEMO_ARGS="-steps 500"     flags for examples/demo
set -euo pipefail
GO=${GO:-go}
ADDR=${DEMO_ADDR:-127.0.0.1:8080}
DATA=${DEMO_DATA:-$PWD/.demo}
URL="http://$ADDR"
mkdir -p "$DATA"

echo "== building wandb (go build ./cmd/wandb)"
$GO build -o "$DATA/wandb" ./cmd/wandb

# One admin API key per demo directory, made on the first run.
if [ ! -s "$DATA/api-key" ]; then
	(umask 077 && od -An -N20 -tx1 /dev/urandom | tr -d ' \n' >"$DATA/api-key")
fi
KEY=$(cat "$DATA/api-key")

healthy() { curl -fsS -o /dev/null "$URL/healthz" 2>/dev/null; }

if [ -s "$DATA/server.pid" ] && kill -0 "$(cat "$DATA/server.pid")" 2>/dev/null && healthy; then
	echo "== the demo server is already running at $URL (pid $(cat "$DATA/server.pid"))"
else
	if healthy; then
		echo "demo: something else already answers on $URL; pick another address with DEMO_ADDR=127.0.0.1:PORT" >&2
		exit 1
	fi
	echo "== starting wandb server at $URL (data in $DATA/server, log in $DATA/server.log)"
	WANDB_SERVER_ADMIN_KEY=$KEY nohup "$DATA/wandb" server --addr "$ADDR" --data-dir "$DATA/server" \
		>"$DATA/server.log" 2>&1 &
	echo $! >"$DATA/server.pid"
	for _ in $(seq 1 100); do
		healthy && break
		kill -0 "$(cat "$DATA/server.pid")" 2>/dev/null || { cat "$DATA/server.log" >&2; exit 1; }
		sleep 0.1
	done
	healthy || { echo "demo: the server did not answer on $URL within 10 s; see $DATA/server.log" >&2; exit 1; }
fi

export WANDB_BASE_URL=$URL WANDB_API_KEY=$KEY
echo
echo "== training the GoMLX spirals model (examples/demo), logged live to the server"
# shellcheck disable=SC2086 # DEMO_ARGS is a list of flags
GOMLX_BACKEND=go $GO run ./examples/demo ${DEMO_ARGS:-}
echo
echo "== the run, as the CLI shows it (wandb run show wandb/latest-run):"
"$DATA/wandb" run show wandb/latest-run --rows 3
echo
echo "== one of every media type and chart (examples/media), logged to the server too"
$GO run ./examples/media
echo
cat <<MSG
== where to look
  dashboard:  $URL/   (sign in with the API key: $KEY)
  CLI:        WANDB_BASE_URL=$URL WANDB_API_KEY=$KEY $DATA/wandb runs ls admin/demo
  local copy: ./wandb/latest-run (wandb run show / wandb export work offline too)
The server keeps running (pid $(cat "$DATA/server.pid")); stop it with: make demo-stop
MSG
