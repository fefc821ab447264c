"""A small chat app under test for bench/fixed-cost-bench.ts: Python's standard library only.

Speaks test/apps/CONTRACT.md (PORT, OPENAI_BASE_URL, POST /chat, GET /healthz, `listening on`):
history kept per session in a process-global dict (row 2 of the failure table), one chat
completion per turn through urllib.
"""

import json
import os
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BASE_URL = os.environ["OPENAI_BASE_URL"].rstrip("/")
SESSIONS: dict[str, list[dict[str, str]]] = {}


def complete(messages):
    request = urllib.request.Request(
        f"{BASE_URL}/chat/completions",
        data=json.dumps({"model": "gpt-4o-mini", "messages": messages}).encode(),
        headers={
            "content-type": "application/json",
            "authorization": f"Bearer {os.environ.get('OPENAI_API_KEY', 'x')}",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["choices"][0]["message"]["content"]


class Chat(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body, kind="application/json"):
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/healthz":
            self.reply(200, "ok", "text/plain")
        else:
            self.reply(404, {"error": "not found"})

    def do_POST(self):
        if self.path != "/chat":
            self.reply(404, {"error": "not found"})
            return
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
        history = SESSIONS.setdefault(body["session_id"], [])
        messages = [{"role": "system", "content": "You are a helpful assistant."}, *history]
        messages.append({"role": "user", "content": body["message"]})
        try:
            answer = complete(messages)
        except Exception as error:  # the contract: 500 with the message
            self.reply(500, {"error": str(error)})
            return
        history += [messages[-1], {"role": "assistant", "content": answer}]
        self.reply(200, {"answer": answer})


server = ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Chat)
print(f"listening on {server.server_address[1]}", flush=True)
server.serve_forever()
