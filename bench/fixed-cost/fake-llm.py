"""The shell loop's trivial fake LLM: every chat completion gets the same short answer."""

import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

ANSWER = json.dumps(
    {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "gpt-4o-mini",
        "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "ok"}}
        ],
    }
).encode()


class Llm(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(ANSWER)))
        self.end_headers()
        self.wfile.write(ANSWER)


server = HTTPServer(("127.0.0.1", int(sys.argv[1])), Llm)
print(f"listening on {server.server_address[1]}", flush=True)
server.serve_forever()
