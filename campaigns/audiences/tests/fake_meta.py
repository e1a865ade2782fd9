"""A fake of Meta's Graph API audience endpoint, a real HTTP server on 127.0.0.1 (ports 7330-7339).

It records every call (method, path, decoded form) and answers from a script: a list of (status, body,
headers) consumed in order, then 200 with Meta's usual answer.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

PORTS = range(7330, 7340)


class FakeMeta:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.script: list[tuple[int, dict[str, Any], dict[str, str]]] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                call = {
                    "method": self.command,
                    "path": self.path,
                    "form": form,
                    "payload": json.loads(form.get("payload", "{}")),
                    "session": json.loads(form.get("session", "{}")),
                }
                with fake.lock:
                    fake.calls.append(call)
                    scripted = fake.script.pop(0) if fake.script else None
                if scripted is None:
                    audience_id = self.path.split("/")[2]
                    status, body, headers = (
                        200,
                        {
                            "audience_id": audience_id,
                            "session_id": call["session"].get("session_id"),
                            "num_received": len(call["payload"].get("data", [])),
                            "num_invalid_entries": 0,
                            "invalid_entry_samples": {},
                        },
                        {},
                    )
                else:
                    status, body, headers = scripted
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(raw)

            do_POST = _answer  # noqa: N815
            do_DELETE = _answer  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        for port in PORTS:
            try:
                self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
                break
            except OSError:
                continue
        else:
            raise RuntimeError("No free port in 7330-7339 for the fake Meta API")
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def users_calls(self) -> list[dict[str, Any]]:
        return [c for c in self.calls if c["path"].endswith("/users")]
