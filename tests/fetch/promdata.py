#!/usr/bin/env python3
"""Known data for the real-Prometheus tests of tsfetch, and what queries
over it must return.

    promdata.py DIR

writes DIR/data.om (OpenMetrics, for promtool tsdb create-blocks-from
openmetrics) and the expected answers:

  DIR/expect-a.csv  {__name__=~"tsf_.+",__name__!="tsf_many"} over 8 days
                    from 2024-01-01 at a 15 s step (46,080 points per
                    series): lines series,timestamp,value, sorted
  DIR/expect-b.csv  tsf_many (100 series) from 2024-01-02T00:05:00Z to
                    00:55:00Z at 60 s: exactly as tsfetch writes it
                    (header, series sorted by key, times ascending)

Samples are 15 s apart at 7 s past the step grid, so an evaluation at t
sees the sample at t - 8 s, and no sample sits exactly at the edge of the
5-minute lookback window.  The expected values apply Prometheus' rule:
the latest sample in [t - 5m, t].
"""
import math
import os
import sys

BASE = 1704067200          # 2024-01-01T00:00:00Z
N = 8 * 86400 // 15        # samples per series: 46080
GAP = (BASE + 86400 + 12 * 3600, BASE + 86400 + 14 * 3600)   # no samples


def num(x):
    """As Prometheus writes a value (Go FormatFloat 'f', -1)."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "+Inf" if x > 0 else "-Inf"
    r = repr(x)
    return r[:-2] if r.endswith(".0") else r


def esc(v):
    return v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def key(name, labels):
    inner = ",".join('%s="%s"' % (k, esc(v)) for k, v in sorted(labels.items()))
    return name + ("{%s}" % inner if inner else "")


def csv_field(s):
    if any(c in s for c in ',"\r\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


def families():
    """(family, type, [(name, labels, [(t, value)])])"""
    req = []
    for inst, mult in (("web-1:9100", 3), ("web-2:9100", 5)):
        vals, c = [], 0
        for j in range(N):
            if j == 3 * 5760 + 100:   # a counter reset on day 4
                c = 0
            c += (j * mult) % 7
            vals.append((BASE + 15 * j + 7, float(c)))
        req.append(("tsf_requests_total",
                    {"job": "api", "instance": inst}, vals))
    temp = [(BASE + 15 * j + 7, round(20 + 5 * math.sin(j / 200.0), 3))
            for j in range(N)]
    queue = []
    for j in range(N):
        t = BASE + 15 * j + 7
        if GAP[0] <= t < GAP[1]:
            continue
        v = float(j % 50)
        if j % 5000 == 1:
            v = math.nan
        elif j % 5000 == 2:
            v = math.inf
        elif j % 5000 == 3:
            v = -math.inf
        queue.append((t, v))
    many = []
    for i in range(100):
        t0 = BASE + 86400
        many.append(("tsf_many", {"idx": "%03d" % i},
                     [(t0 + 15 * j + 7, float(i * 1000 + j))
                      for j in range(240)]))
    return [
        ("tsf_requests", "counter", req),
        ("tsf_temperature_celsius", "gauge",
         [("tsf_temperature_celsius", {"room": "lab"}, temp)]),
        ("tsf_queue_depth", "gauge",
         [("tsf_queue_depth", {"queue": 'a "quoted", back\\slash'}, queue)]),
        ("tsf_many", "gauge", many),
    ]


def evaluate(samples, start, end, step):
    """Prometheus' instant selector at each grid time."""
    out, i = [], 0
    t = start
    while t <= end:
        while i + 1 < len(samples) and samples[i + 1][0] <= t:
            i += 1
        if samples and samples[i][0] <= t and samples[i][0] >= t - 300:
            out.append((t, samples[i][1]))
        t += step
    return out


def main():
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    fams = families()
    with open(os.path.join(d, "data.om"), "w") as f:
        for fam, typ, series in fams:
            f.write("# TYPE %s %s\n" % (fam, typ))
            for name, labels, vals in series:
                lab = ",".join('%s="%s"' % (k, esc(v))
                               for k, v in sorted(labels.items()))
                for t, v in vals:
                    f.write("%s{%s} %s %d\n" % (name, lab, num(v), t))
        f.write("# EOF\n")
    lines = []
    for fam, typ, series in fams[:3]:
        for name, labels, vals in series:
            k = csv_field(key(name, labels))
            for t, v in evaluate(vals, BASE, BASE + 8 * 86400 - 15, 15):
                lines.append("%s,%d,%s\n" % (k, t, num(v)))
    with open(os.path.join(d, "expect-a.csv"), "w") as f:
        f.writelines(sorted(lines))
    with open(os.path.join(d, "expect-b.csv"), "w") as f:
        f.write("series,timestamp,value\n")
        s, e = BASE + 86400 + 300, BASE + 86400 + 3300
        for name, labels, vals in sorted(fams[3][2],
                                         key=lambda x: key(x[0], x[1])):
            for t, v in evaluate(vals, s, e, 60):
                f.write("%s,%d,%s\n" % (csv_field(key(name, labels)), t,
                                        num(v)))


if __name__ == "__main__":
    main()
