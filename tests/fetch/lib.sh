# Helpers for the tsfetch tests (sourced by tests/cli/fetch-*/cmd):
# servers on 127.0.0.1, stopped when the test's shell exits, pass or fail.
#
#   fake [fakeserver.py options]   start the fake server: sets FAKE_URL
#   prom DIR OPENMETRICS [flags]   start a real Prometheus with the data
#                                  loaded: sets PROM_URL
FETCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
_pids=()
_stop() { for p in "${_pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; }
trap _stop EXIT

# Wait up to 10 s for file $1 to appear.
_wait_file() {
	for _ in $(seq 200); do [ -s "$1" ] && return 0; sleep 0.05; done
	echo "lib.sh: $1 did not appear" >&2; return 1
}

fake() {
	local pf
	pf=$(mktemp -u "${TMPDIR:-/tmp}/fake-port.XXXXXX")
	python3 "$FETCH/fakeserver.py" --port-file "$pf" "$@" &
	_pids+=($!)
	_wait_file "$pf" || return 1
	FAKE_URL="http://127.0.0.1:$(cat "$pf")"
	rm -f "$pf"
}

# A port nobody listens on now (bind to 0, read it, close).
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

prom() {
	local dir=$1 om=$2 port; shift 2
	mkdir -p "$dir"
	promtool tsdb create-blocks-from openmetrics --max-block-duration=240h \
		"$om" "$dir/tsdb" >/dev/null || return 1
	printf 'global: {}\n' >"$dir/prometheus.yml"
	# A free port can be taken between the check and the bind: try again.
	for _ in 1 2 3 4 5; do
		port=$(free_port)
		prometheus --config.file="$dir/prometheus.yml" \
			--storage.tsdb.path="$dir/tsdb" \
			--storage.tsdb.retention.time=100y \
			--web.listen-address="127.0.0.1:$port" \
			--log.level=error "$@" >"$dir/prometheus.log" 2>&1 &
		_pids+=($!)
		PROM_PID=$!
		for _ in $(seq 200); do
			if curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1; then
				PROM_URL="http://127.0.0.1:$port"
				return 0
			fi
			kill -0 "$PROM_PID" 2>/dev/null || break
			sleep 0.05
		done
		kill "$PROM_PID" 2>/dev/null; wait "$PROM_PID" 2>/dev/null
	done
	echo "lib.sh: prometheus did not start:" >&2
	cat "$dir/prometheus.log" >&2
	return 1
}

stop_prom() { kill "$PROM_PID"; wait "$PROM_PID" 2>/dev/null; }
