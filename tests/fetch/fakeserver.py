#!/usr/bin/env python3
"""A fake Prometheus query_range API and PagerDuty /incidents API for the
tsfetch tests: deterministic data, and faults on demand.  Stdlib only.

    fakeserver.py --port-file F [options]

Listens on 127.0.0.1 on a free port and writes the port to F.

Data:
  /api/v1/query_range (POST form or GET): --series N series
  fake{i="0"}, fake{i="1"}, ... with the value at time t (seconds)
  (t // 15) % 1000 + i / 4, at every grid time start + k * step <= end.
  /incidents: --pd N synthetic incidents, one every 10 minutes from
  2026-01-05T00:00:00Z, plus those of --pd-fixture FILE (a JSON array of
  incidents in the API's shape), in creation order; since/until/offset/
  limit honoured; offset >= 10000 is refused as PagerDuty does.

Faults (--plan A,B,C: the n-th request gets the n-th action, later ones
'ok'; --fail-start T:ACTION: every request whose start is T):
  ok, 500, 502, 503, 429 (Retry-After: 0), hang (answer after 3 s),
  slow (after 0.5 s),
  drop (close the connection half way through the body), garbage (a
  truncated JSON body with status 200), html (an HTML page with status
  200), baddata (400 bad_data), toobig (422 too many samples), warn (200
  with warnings), echo (401 whose body repeats the Authorization header).
--max-points N: 422 "too many samples" when a request has more than N
  points per series.
--auth VALUE: 401 unless the Authorization header is VALUE.
--tls CERT KEY: serve HTTPS.
--log FILE: one JSON line per request (path, form, selected headers).
"""
import argparse
import bisect
import calendar
import json
import math
import os
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

A = None
lock = threading.Lock()
counter = [0]


def num(x):
    """A float as Prometheus writes it (Go's FormatFloat 'f', -1)."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "+Inf" if x > 0 else "-Inf"
    r = repr(x)
    if r.endswith(".0"):
        r = r[:-2]
    return r


def series(start, end, step):
    out = []
    npts = int(round((end - start) / step)) + 1 if end >= start else 0
    for i in range(A.series):
        vals = []
        for k in range(npts):
            t = round(start + k * step, 3)
            if t > end + 1e-9:
                break
            v = (int(t) // 15) % 1000 + i / 4
            ts = int(t) if t == int(t) else t
            vals.append([ts, num(float(v))])
        out.append({"metric": {"__name__": "fake", "i": str(i)},
                    "values": vals})
    return out, npts


def pd_incidents():
    base = 1767571200  # 2026-01-05T00:00:00Z
    incs = []
    for n in range(A.pd):
        t = base + 600 * n
        created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
        resolved = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                 time.gmtime(t + 300))
        incs.append({
            "id": "Q%07d" % n, "type": "incident",
            "summary": "[#%d] disk full" % (1000 + n),
            "incident_number": 1000 + n,
            "title": "disk full on db-%d" % (n % 3),
            "description": "disk full on db-%d" % (n % 3),
            "created_at": created, "status": "resolved",
            "urgency": "high" if n % 2 else "low",
            "incident_key": "key-%d" % n,
            "service": {"id": "PSVC%d" % (n % 2), "type": "service_reference",
                        "summary": "db-%d" % (n % 2)},
            "assignments": [],
            "last_status_change_at": resolved,
            "last_status_change_by": {"id": "PSVC%d" % (n % 2),
                                      "type": "service_reference",
                                      "summary": "db-%d" % (n % 2)},
            "escalation_policy": {"id": "PEP1",
                                  "type": "escalation_policy_reference",
                                  "summary": "Default"},
            "priority": None, "resolved_at": resolved,
            "alert_counts": {"all": 1, "triggered": 0, "resolved": 1},
            "html_url": "https://example.pagerduty.com/incidents/Q%07d" % n,
        })
    if A.pd_fixture:
        with open(A.pd_fixture) as f:
            incs.extend(json.load(f))
    incs.sort(key=lambda x: x["created_at"])
    for i in incs:
        i["_t"] = parse_time(i["created_at"])
    return incs


def parse_time(s):
    if s.endswith("Z"):
        return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))
    return float(s)


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, code, body, ctype="application/json", extra=()):
        if isinstance(body, (dict, list)):
            body = json.dumps(body, separators=(",", ":"))
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def handle_any(self):
        u = urllib.parse.urlsplit(self.path)
        form = dict(urllib.parse.parse_qsl(u.query))
        if self.command == "POST":
            n = int(self.headers.get("Content-Length", "0"))
            form.update(urllib.parse.parse_qsl(self.rfile.read(n).decode()))
        with lock:
            counter[0] += 1
            n = counter[0]
        action = A.plan[n - 1] if n <= len(A.plan) else "ok"
        if "start" in form and form["start"] in A.fail_start:
            action = A.fail_start[form["start"]]
        if A.log:
            rec = {"n": n, "method": self.command, "path": u.path,
                   "form": form, "action": action}
            for h in ("Authorization", "X-Scope-OrgID", "Accept",
                      "Content-Type"):
                if self.headers.get(h) is not None:
                    rec[h] = self.headers.get(h)
            with lock, open(A.log, "a") as f:
                f.write(json.dumps(rec, sort_keys=True) + "\n")
        auth = self.headers.get("Authorization")
        if action == "echo":
            return self.send(401, {"status": "error", "errorType": "auth",
                                   "error": "bad credentials: %s" % auth})
        if A.auth is not None and auth != A.auth:
            if u.path == "/incidents":
                return self.send(401, {"error": {
                    "message": "Authentication required", "code": 2006}})
            return self.send(401, "Unauthorized\n", "text/plain")
        if action in ("500", "502", "503"):
            return self.send(int(action), {
                "status": "error", "errorType": "unavailable",
                "error": "fake %s" % action})
        if action == "429":
            return self.send(429, "rate limited\n", "text/plain",
                             [("Retry-After", "0")])
        if action == "hang":
            time.sleep(3)
        if action == "slow":
            time.sleep(0.5)
        if action == "baddata":
            return self.send(400, {
                "status": "error", "errorType": "bad_data",
                "error": "invalid parameter \"query\": 1:5: parse error: "
                         "unexpected end of input"})
        if action == "toobig":
            return self.send(422, {
                "status": "error", "errorType": "execution",
                "error": "query processing would load too many samples "
                         "into memory in query execution"})
        if action == "html":
            return self.send(200, "<html><body>login</body></html>\n",
                             "text/html")
        if u.path == "/incidents":
            return self.incidents(form, action)
        if u.path != "/api/v1/query_range":
            return self.send(404, "not found\n", "text/plain")
        start, end = float(form["start"]), float(form["end"])
        step = float(form["step"])
        res, npts = series(start, end, step)
        if A.max_points and npts > A.max_points:
            return self.send(422, {
                "status": "error", "errorType": "execution",
                "error": "query processing would load too many samples "
                         "into memory in query execution"})
        body = {"status": "success",
                "data": {"resultType": "matrix", "result": res}}
        if action == "warn":
            body["warnings"] = ["fake warning: partial data"]
        self.reply_data(body, action)

    def reply_data(self, body, action):
        text = json.dumps(body, separators=(",", ":"))
        if action == "garbage":
            return self.send(200, text[:len(text) // 2])
        if action == "drop":
            data = text.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[:len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.send(200, text)

    def incidents(self, form, action):
        if self.headers.get("Accept") != \
                "application/vnd.pagerduty+json;version=2":
            return self.send(400, {"error": {"message": "bad Accept"}})
        offset, limit = int(form.get("offset", 0)), int(form.get("limit", 25))
        if offset >= 10000:
            return self.send(400, {"error": {
                "message": "Invalid Input Provided", "code": 2001,
                "errors": ["Offset must be less than 10000."]}})
        since, until = parse_time(form["since"]), parse_time(form["until"])
        lo = bisect.bisect_left(CREATED, since)
        hi = bisect.bisect_left(CREATED, until)
        sel = INCIDENTS[lo:hi]
        page = [{k: v for k, v in i.items() if k != "_t"}
                for i in sel[offset:offset + limit]]
        self.reply_data({"incidents": page, "limit": limit,
                         "offset": offset, "total": None,
                         "more": offset + limit < len(sel)}, action)


def main():
    global A, INCIDENTS, CREATED
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--plan", default="")
    p.add_argument("--fail-start", action="append", default=[])
    p.add_argument("--series", type=int, default=2)
    p.add_argument("--max-points", type=int, default=0)
    p.add_argument("--auth")
    p.add_argument("--tls", nargs=2)
    p.add_argument("--log")
    p.add_argument("--pd", type=int, default=0)
    p.add_argument("--pd-fixture")
    A = p.parse_args()
    A.plan = [x for x in A.plan.split(",") if x]
    A.fail_start = dict(x.split(":", 1) for x in A.fail_start)
    INCIDENTS = pd_incidents()
    CREATED = [i["_t"] for i in INCIDENTS]
    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    srv.daemon_threads = True
    if A.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(A.tls[0], A.tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(A.port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(A.port_file + ".tmp", A.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
