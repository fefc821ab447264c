#!/usr/bin/env bash
# The floor of bench/fixed-cost-bench.ts: what the same work costs with no harness at all. Starts a
# trivial fake LLM and the app (each on port 0, the port read from its `listening on` line), sends
# the scenario's turns with curl, one session, one at a time, then stops both. Usage: curl-loop.sh TURNS
set -euo pipefail
here=$(dirname "$0")
turns=${1:-20}

exec 3< <(exec python3 "$here/fake-llm.py" 0)
llm=$!
read -r -u 3 _ _ llm_port
exec 4< <(exec env PORT=0 OPENAI_BASE_URL="http://127.0.0.1:$llm_port/v1" OPENAI_API_KEY=x python3 "$here/app.py")
app=$!
trap 'kill $app $llm 2>/dev/null; wait $app $llm 2>/dev/null || true' EXIT
read -r -u 4 _ _ app_port

for i in $(seq 1 "$turns"); do
  curl -sf -o /dev/null -H 'content-type: application/json' \
    -d "{\"session_id\":\"bench\",\"message\":\"Bench turn number $i.\"}" "http://127.0.0.1:$app_port/chat"
done
