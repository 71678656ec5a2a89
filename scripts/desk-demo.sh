#!/bin/sh
# make desk-demo: a throwaway desk on the PostgreSQL server scripts/with-postgres.sh started
# (its URL in TT_TEST_POSTGRES_URL) and two terminals on the simulator, side by side:
#   alice, a trader, on workstation desk-1 (password alice-demo)
#   rita, a risk manager, on workstation desk-2 (password rita-demo)
# An order above 10,000 (or any option order) needs a second approver: stage 100 AAPL on
# alice's window, try to approve it there (refused: four eyes), approve it on rita's; alice's
# terminal sends it, and both see the fill. The kill switch on either halts both; only rita
# can re-arm. Close both windows to end the demo (the database is thrown away).
set -eu
PY=${PY:-.venv/bin/python}
url=${TT_TEST_POSTGRES_URL:?run through scripts/with-postgres.sh}
demo=$(mktemp -d /tmp/tt-desk-demo.XXXXXX)
trap 'rm -rf "$demo"' EXIT INT TERM

TT_DESK_PASSWORD=alice-demo "$PY" -m terminal desk add-user alice --role trader --db "$url"
TT_DESK_PASSWORD=rita-demo "$PY" -m terminal desk add-user rita --role risk_manager --db "$url"
"$PY" -m terminal desk policy --db "$url" --notional 10000 --asset-class OPT

for who in alice rita; do
    mkdir -p "$demo/$who"
    printf '[desk]\ncheckpoint_key = "%s"\ncheckpoint_dir = "%s"\n' \
        "$demo/desk.key" "$demo/$who/checkpoints" > "$demo/$who/settings.toml"
done
# The desk key that signs the checkpoints each terminal writes when it closes.
"$PY" -c "import sys; from pathlib import Path; from terminal.persistence.checkpoint import create_key; create_key(Path(sys.argv[1]))" "$demo/desk.key"

echo "desk-demo: two terminals on $url"
echo "  desk-1: alice (trader), password alice-demo"
echo "  desk-2: rita (risk manager), password rita-demo"
echo "  four eyes: $("$PY" -m terminal desk policy --db "$url")"
run() {  # name workstation: each terminal keeps its own log and layout folders
    XDG_STATE_HOME="$demo/$1/state" XDG_DATA_HOME="$demo/$1/data" \
        "$PY" -m terminal --db "$url" --workstation "$2" --user "$1" \
        --config "$demo/$1/settings.toml" &
}
run alice desk-1
run rita desk-2
wait
echo "desk-demo: both terminals closed; the audit chain they wrote:"
last=$(ls "$demo"/rita/checkpoints/*.json 2>/dev/null | tail -1 || true)
if [ -n "$last" ]; then
    "$PY" -m terminal audit verify --db "$url" --checkpoint "$last" --key "$demo/desk.key" || true
else
    "$PY" -m terminal audit verify --db "$url" || true
fi
