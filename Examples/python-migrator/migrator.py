#!/usr/bin/env python3
"""The smallest complete Loom migrator: Python 3 standard library only.

It announces the migration "python-version-bump" to Loom's REST shim, then serves Loom's calls:
  POST /dispatch-step  202 at once, the work in a thread, events POSTed to the callback URL
  POST /dry-run        what each step would change, without changing anything
  POST /step-status    the latest event of a dispatch (Loom asks when a callback went missing)
The contract: docs/writing-a-migrator.md. Run with --help.
"""
import argparse, json, os, sys, threading, time, urllib.error, urllib.parse, urllib.request
from collections import OrderedDict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

APP = "python-migrator"
MAX_BODY = 1 << 20        # bytes of a request body we accept (Loom's own limit for events)
REMEMBERED_KEYS = 10_000  # dispatches remembered for dedup and /step-status
FROM, TO = "3.11", "3.12"
STEPS = [
    {"name": "bump-python", "migratorApp": APP, "type": "bump-python",
     "description": f"Pin .python-version to {TO} (a pull request, merged after --merge-delay).",
     "config": {"from": FROM, "to": TO}},
    {"name": "review-rollout", "migratorApp": APP, "type": "manual-review",
     "description": "An operator checks the service, then: loomctl run approve python-version-bump <candidate>"},
]
CANDIDATES = ["acme/billing-api", "acme/search"]

jobs = OrderedDict()      # idempotency key -> latest event sent for it (None: still working)
jobs_lock = threading.Lock()


def log(message):
    print(f"python-migrator: {message}", file=sys.stderr, flush=True)


def post_json(url, body, token=None, attempts=8):
    """POSTs JSON, resending on connection errors, 5xx, 408 and 429 with back-off; returns the final status."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    delay = 0.5
    for attempt in range(1, attempts + 1):
        try:
            request = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            if error.code < 500 and error.code not in (408, 429):
                return error.code  # definitive: 400, 401, 404, 409 (conflict: this event will never apply)
            status = error.code
        except (urllib.error.URLError, OSError) as error:
            status = f"{error}"
        if attempt < attempts:
            log(f"POST {urllib.parse.urlsplit(url).path} failed ({status}); resending in {delay:.1f} s")
            time.sleep(delay)
            delay = min(delay * 2, 30)
    return None


def report(dispatch, key, success, phase=None, metadata=None, reason=None):
    """Remembers the event for /step-status, then sends it with the dispatch's callback token."""
    event = {"stepName": dispatch["stepName"], "candidateId": dispatch["candidate"]["id"], "success": success}
    for field, value in (("phase", phase), ("metadata", metadata), ("failureReason", reason)):
        if value:
            event[field] = value
    with jobs_lock:
        if key in jobs:
            jobs[key] = event
    url = dispatch.get("callbackUrl") or \
        f"{ARGS.loom_url}/event/{urllib.parse.quote(dispatch['callbackId'], safe='')}"
    status = post_json(url, event, dispatch.get("callbackToken"))
    log(f"event {phase or ('ok' if success else 'failed')} for {key}: HTTP {status}")


def work(dispatch, key):
    """Does one step. A real migrator would clone, edit, push and open a pull request here."""
    kind, candidate = dispatch.get("type"), dispatch["candidate"]["id"]
    if kind == "manual-review":
        report(dispatch, key, True, "awaiting_review", {"instructions": "check the service, then approve"})
    elif kind == "bump-python":
        pr = f"https://git.example.com/{candidate}/pull/{sum(key.encode()) % 1000}"  # the same for a re-send
        report(dispatch, key, True, "open", {"prUrl": pr})
        time.sleep(ARGS.merge_delay)  # the pull request gets reviewed and merged
        report(dispatch, key, True, "merged", {"prUrl": pr})
    else:
        report(dispatch, key, False, reason=f'unknown step type "{kind}"')


def dry_run(request):
    """One entry per step, in the contract's DryRunResult shape; changes nothing."""
    results = []
    for step in request["steps"]:
        if step.get("type") == "bump-python":
            config = step.get("config") or {}
            results.append({"stepName": step["name"], "skipped": False, "files": [{
                "path": ".python-version", "repo": request["candidate"]["id"], "status": "modified",
                "before": config.get("from", FROM) + "\n", "after": config.get("to", TO) + "\n"}]})
        elif step.get("type") == "manual-review":
            results.append({"stepName": step["name"], "skipped": True})
        else:
            results.append({"stepName": step["name"], "skipped": False, "error": f"unknown step type {step.get('type')}"})
    return {"steps": results}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30  # seconds a client may take to send its request

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def read_json(self):
        """The request body as a JSON object, or None after answering 4xx."""
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self.close_connection = True
            return self.answer(411, {"error": "Content-Length required"})
        if length < 0 or length > MAX_BODY:
            self.close_connection = True  # the body is not read: the connection cannot be reused
            return self.answer(413, {"error": f"body over {MAX_BODY} bytes"})
        try:
            body = json.loads(self.rfile.read(length))
        except ValueError:
            return self.answer(400, {"error": "malformed JSON"})
        if not isinstance(body, dict):
            return self.answer(400, {"error": "the body must be a JSON object"})
        return body

    def do_POST(self):
        routes = {"/dispatch-step": self.dispatch, "/dry-run": self.dry_run, "/step-status": self.step_status}
        route = routes.get(self.path)
        if route is None:
            return self.answer(404, {"error": f"no route {self.path}"})
        body = self.read_json()
        if body is not None:
            route(body)

    def do_GET(self):
        self.answer(405, {"error": "use POST"})
    do_PUT = do_DELETE = do_PATCH = do_GET

    def dispatch(self, body):
        missing = [f for f in ("migrationId", "stepName", "callbackId") if not isinstance(body.get(f), str)]
        if not isinstance(body.get("candidate"), dict) or not isinstance(body["candidate"].get("id"), str):
            missing.append("candidate.id")
        if missing:
            return self.answer(400, {"error": f"missing or invalid field {missing[0]}"})
        key = self.headers.get("Idempotency-Key") or body.get("idempotencyKey") or \
            f"{body['callbackId']}/{body['stepName']}/{body.get('attempt', 1)}"
        with jobs_lock:
            if key in jobs:  # a re-send of an attempt we have: acknowledge, do not start it again
                return self.answer(202, {"status": "duplicate"})
            jobs[key] = None
            while len(jobs) > REMEMBERED_KEYS:
                jobs.popitem(last=False)
        threading.Thread(target=work, args=(body, key), daemon=True).start()
        self.answer(202, {"status": "accepted"})

    def dry_run(self, body):
        steps, candidate = body.get("steps"), body.get("candidate")
        if not isinstance(candidate, dict) or not isinstance(candidate.get("id"), str):
            return self.answer(400, {"error": "missing or invalid field candidate.id"})
        if not isinstance(steps, list) or not all(isinstance(s, dict) and isinstance(s.get("name"), str) for s in steps):
            return self.answer(400, {"error": "missing or invalid field steps"})
        self.answer(200, dry_run(body))

    def step_status(self, body):
        key = self.headers.get("Idempotency-Key") or body.get("idempotencyKey")
        with jobs_lock:
            known, event = key in jobs, jobs.get(key)
        if not known:  # never dispatched here, or forgotten: Loom marks the step stalled for an operator
            return self.answer(404, {"error": "unknown idempotency key"})
        if event is None:
            return self.answer(202, {"status": "working"})
        self.answer(200, event)  # the latest event, exactly as sent to the callback URL

    def log_message(self, fmt, *args):
        pass  # one line per event is enough; never log tokens


def announce(url):
    announcement = {"id": "python-version-bump", "name": f"Python {FROM} to {TO}",
                    "description": "Pins every service's .python-version, then an operator reviews it.",
                    "migratorUrl": url, "steps": STEPS,
                    "candidates": [{"id": c, "kind": "repository"} for c in CANDIDATES]}
    status = post_json(f"{ARGS.loom_url}/registry/announce", announcement, ARGS.token, attempts=10)
    if status != 200:
        log(f"announce failed: HTTP {status}")
        os._exit(1)  # from this thread: stop the whole process
    log(f"announced python-version-bump to {ARGS.loom_url}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listen", default="127.0.0.1:3001", help="host:port to serve Loom's calls on")
    parser.add_argument("--url", help="this migrator's URL as Loom reaches it (default http://LISTEN)")
    parser.add_argument("--loom-url", default=os.environ.get("LOOM_URL", "http://127.0.0.1:8080"),
                        help="Loom's REST shim (env LOOM_URL)")
    parser.add_argument("--token", default=os.environ.get("LOOM_MIGRATOR_TOKEN"),
                        help="bearer credential for announce (env LOOM_MIGRATOR_TOKEN)")
    parser.add_argument("--merge-delay", type=float, default=2.0, help="seconds from 'open' to 'merged'")
    ARGS = parser.parse_args()
    ARGS.loom_url = ARGS.loom_url.rstrip("/")
    host, _, port = ARGS.listen.rpartition(":")
    server = ThreadingHTTPServer((host, int(port)), Handler)
    server.daemon_threads = True
    threading.Thread(target=announce, args=(ARGS.url or f"http://{host}:{server.server_port}",), daemon=True).start()
    log(f"serving on http://{host}:{server.server_port}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
