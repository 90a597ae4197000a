"""scripts/bench-rnn's driver: tsforecast -m gru/lstm against the same
seq2seq GRU in PyTorch (scripts/rnn_torch.py) trained the same way, and
against tsforecast's statistical methods.

  /usr/bin/python3 scripts/bench_rnn.py BIN_DIR THREADS WORKDIR [speed|accuracy|all]

speed: a month of synthetic 1-minute ops metric (43,200 points), lookback
  60, horizon 15, hidden 32, Adam 0.003, batch 64, clipping 1, the last
  20% of windows validating, patience 5, at most 50 epochs: time to early
  stopping (wall and user CPU), epochs, seconds per epoch; C best of
  several runs, torch (float32, its default, and THREADS threads) once.
accuracy: each series is cut in a training part and a test part; every
  model is trained once on the training part, then forecasts from rolling
  origins over the test part (C methods: the saved model loaded with the
  test records up to the origin; torch: the same windows).  MASE at
  horizon step 1 and at the last step (15 for ops, 48 = one day for
  taylor), scaled by the training part's mean absolute daily seasonal
  difference.
"""
import csv, io, math, os, resource, subprocess, sys, time
import numpy as np

BIN, THREADS, WORK = sys.argv[1], int(sys.argv[2]), sys.argv[3]
WHAT = sys.argv[4] if len(sys.argv) > 4 else "all"
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def ops_series():
    """Daily and weekly cycles, a wandering trend, noise, incidents."""
    rng = np.random.default_rng(7)
    n, t0 = 43200, 1714521600
    i = np.arange(n)
    day = 2 * np.pi * (i % 1440) / 1440
    wk = (i // 1440) % 7
    y = 100 + 40 * np.sin(day - 2) + 10 * np.sin(2 * day) - 15 * (wk >= 5)
    y = y + np.cumsum(rng.normal(0, 0.3, n)) * 0.2 + rng.normal(0, 4, n)
    y[rng.random(n) < 0.002] *= 1.8
    return t0 + 60 * i, np.round(y, 3)


def taylor_series():
    import gzip
    ts, ys = [], []
    with gzip.open(os.path.join(HERE, "..", "tests", "data", "taylor.csv.gz"),
                   "rt") as f:
        for r in csv.DictReader(f):
            ts.append(int(np.datetime64(r["timestamp"].rstrip("Z"), "s")
                          .astype(np.int64)))
            ys.append(float(r["value"]))
    return np.array(ts), np.array(ys)


def write_csv(path, name, ts, y):
    with open(path, "w") as f:
        f.write("series,timestamp,value\n")
        for t, v in zip(ts, y):
            f.write("%s,%d,%.6g\n" % (name, t, v))


def run(cmd, out=None):
    """Run cmd; wall seconds, user+sys CPU seconds of the child, stdout."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    wall = time.time() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), p.stderr))
    return wall, r1.ru_utime - r0.ru_utime, p.stdout, p.stderr


def forecasts(text):
    f = []
    for r in csv.DictReader(io.StringIO(text)):
        if r["kind"] == "forecast":
            f.append(float(r["forecast"]))
    return np.array(f)


# The torch side: the same network, inputs and training as lib/rnn_train.c

def covariates(ts, z, lag):
    """Calendar covariates, and the value lag steps back (tsforecast's
    seasonal lag input: 0 when before the start)."""
    tod = 2 * np.pi * (ts % 86400) / 86400
    dow = 2 * np.pi * ((ts // 86400) % 7) / 7
    cols = [np.sin(tod), np.cos(tod), np.sin(dow), np.cos(dow)]
    if lag:
        cols.append(np.concatenate([np.zeros(lag), z[:-lag]]))
    return np.stack(cols, 1)


def torch_train(ts, y, L, H, cell, threads, seed=1, dtype="float32",
                lag=0):
    import torch
    from rnn_torch import Seq2Seq
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    dt = torch.float32 if dtype == "float32" else torch.float64
    n = len(y)
    mu, sd = y.mean(), y.std(ddof=1)
    z = (y - mu) / sd
    cov = covariates(ts, z, lag)
    x = np.concatenate([z[:, None], np.zeros((n, 1)), cov], 1)
    cut = n - int(math.floor(0.2 * n + 0.5))
    tw = [s for s in range(n - L - H + 1) if s + L + H <= cut]
    vw = [s for s in range(n - L - H + 1) if s + L >= cut]
    xt, ct, zt = (torch.tensor(a, dtype=dt) for a in (x, cov, z))
    ar = torch.arange(L + H)

    def batch(ss):
        idx = torch.tensor(ss)[:, None] + ar[None, :]
        return (xt[idx[:, :L]].permute(1, 0, 2),
                ct[idx[:, L:]].permute(1, 0, 2), zt[idx[:, L:]].T)
    m = Seq2Seq(cell, x.shape[1], 32, 1, H).to(dt)
    opt = torch.optim.Adam(m.parameters(), lr=0.003)
    best, bad, t0, ep = float("inf"), 0, time.time(), 0
    best_state = None
    rng = np.random.default_rng(seed)
    c0 = time.process_time()
    for ep in range(1, 51):
        rng.shuffle(tw)
        for b in range(0, len(tw), 64):
            xb, fc, tg = batch(tw[b:b + 64])
            opt.zero_grad()
            loss = ((m(xb, fc) - tg) ** 2).mean()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
            opt.step()
        with torch.no_grad():
            se = 0.0
            for b in range(0, len(vw), 512):
                xb, fc, tg = batch(vw[b:b + 512])
                se += ((m(xb, fc) - tg) ** 2).sum().item()
        val = se / (len(vw) * H)
        print("  torch %s epoch %d val %.5f %.1fs" % (cell, ep, val,
              time.time() - t0), file=sys.stderr)
        if val < best:
            best, bad = val, 0
            best_state = {k: v.clone() for k, v in m.state_dict().items()}
        else:
            bad += 1
            if bad >= 5:
                break
    wall, cpu = time.time() - t0, time.process_time() - c0
    m.load_state_dict(best_state)
    return m, (mu, sd), wall, cpu, ep


def torch_forecast(m, scale, ts, y, L, H, origins, dtype="float32", lag=0):
    import torch
    dt = torch.float32 if dtype == "float32" else torch.float64
    mu, sd = scale
    z = (y - mu) / sd
    cov = covariates(ts, z, lag)
    x = np.concatenate([z[:, None], np.zeros((len(y), 1)), cov], 1)
    idx = np.array(origins)[:, None] + np.arange(-L, H)[None, :]
    with torch.no_grad():
        xb = torch.tensor(x[idx[:, :L]], dtype=dt).permute(1, 0, 2)
        fc = torch.tensor(cov[idx[:, L:]], dtype=dt).permute(1, 0, 2)
        p = m(xb, fc).T.numpy()
    return p * sd + mu


def speed():
    ts, y = ops_series()
    path = os.path.join(WORK, "ops.csv")
    write_csv(path, "ops", ts, y)
    print("## speed: ops, %d points, lookback 60, horizon 15, hidden 32, "
          "%d threads" % (len(y), THREADS))
    for cell in ("gru", "lstm"):
        runs = []
        for rep in range(3):
            wall, cpu, _, err = run([os.path.join(BIN, "tsforecast"), "-m",
                                     cell, "--lookback", "60", "-H", "15",
                                     "--hidden", "32", "--threads",
                                     str(THREADS), "--progress",
                                     "--no-echo", path])
            last = [l for l in err.replace("\r", "\n").split("\n")
                    if "epoch" in l][-1]
            ep = int(last.split("epoch ")[1].split("/")[0])
            runs.append((wall, cpu, ep))
            print("  C %s run %d: wall %.1f s, user %.1f s, %d epochs "
                  "(%.2f s/epoch)" % (cell, rep + 1, wall, cpu, ep,
                                      wall / ep), flush=True)
        b = min(runs)
        print("C %s: best wall %.1f s (user %.1f s), %d epochs, %.2f s/epoch;"
              " walls %s" % (cell, b[0], b[1], b[2], b[0] / b[2],
                             " ".join("%.1f" % r[0] for r in runs)),
              flush=True)
    if WHAT != "speed-c":
        m, sc, wall, cpu, ep = torch_train(ts, y, 60, 15, "gru", THREADS,
                                           lag=1440)
        print("torch gru float32: wall %.1f s (cpu %.1f s), %d epochs, "
              "%.2f s/epoch" % (wall, cpu, ep, wall / ep), flush=True)
    # inference
    subprocess.run(["gcc", "-std=c11", "-O2", "-D_POSIX_C_SOURCE=200809L",
                    "-I", os.path.join(HERE, "..", "lib"), "-o",
                    os.path.join(WORK, "infer"),
                    os.path.join(HERE, "bench-rnn-infer.c"),
                    os.path.join(BIN, "..", "libtspipe.a"), "-lm",
                    "-lpthread"], check=True)
    for cell in ("gru", "lstm"):
        out = subprocess.run([os.path.join(WORK, "infer"), cell, "32", "60",
                              "15", "20000"], stdout=subprocess.PIPE,
                             text=True, check=True).stdout
        print("inference %s (library, double):\n  %s" %
              (cell, out.strip().replace("\n", "\n  ")))
    if WHAT != "speed-c":
        origins = list(range(1000, 1000 + 20000))
        t0 = time.time()
        torch_forecast(m, sc, ts, y, 60, 15, origins, lag=1440)
        print("inference torch gru float32, batch of 20000, %d threads: "
              "%.0f forecasts/s" % (THREADS, 20000 / (time.time() - t0)))
    # the tool: a saved network, every record of the last day a one-step
    # forecast (--online), one window per record
    st = os.path.join(WORK, "g.store")
    run([os.path.join(BIN, "tsforecast"), "-m", "gru", "--epochs", "1",
         "--lookback", "60", "-H", "15", "--save", st, "--no-echo", path])
    write_csv(os.path.join(WORK, "more.csv"), "ops",
              ts[-1] + 60 * np.arange(1, 20001), np.tile(y[-1440:], 14)[:20000])
    best = min(run([os.path.join(BIN, "tsforecast"), "--load", st,
                    "--online", os.path.join(WORK, "more.csv")])[0]
               for _ in range(3))
    print("tsforecast --load (gru) --online: 20000 records in %.2f s: "
          "%.0f records/s (each a forecast)" % (best, 20000 / best))


def mase_table(name, ts, y, ntrain, L, H, step, m, stat_methods):
    """Rolling-origin MASE at horizon steps 1 and H."""
    path = os.path.join(WORK, name + "-train.csv")
    write_csv(path, name, ts[:ntrain], y[:ntrain])
    origins = list(range(ntrain + step, len(y) - H + 1, step))
    scale = np.mean(np.abs(y[m:ntrain] - y[:ntrain - m]))
    actual = np.array([y[o:o + H] for o in origins])
    res = {}

    def score(name_, f):
        e = np.abs(f - actual) / scale
        res[name_] = (e[:, 0].mean(), e[:, H - 1].mean(), e.mean())
        print("  %-8s MASE h=1 %.3f  h=%d %.3f  mean 1..%d %.3f" %
              ((name_,) + (res[name_][0], H, res[name_][1], H,
                           res[name_][2])), flush=True)

    # gru-nolags: the GRU without its seasonal lag input (--lags none)
    for meth in stat_methods + ["gru", "lstm", "gru-nolags"]:
        st = os.path.join(WORK, "%s-%s.store" % (name, meth))
        cmd = [os.path.join(BIN, "tsforecast"), "-m", meth.split("-")[0],
               "-H", str(H), "--save", st, "--no-echo"]
        if meth.startswith(("gru", "lstm")):
            cmd += ["--lookback", str(L), "--hidden", "32", "--threads",
                    str(THREADS)]
        if meth == "gru-nolags":
            cmd += ["--lags", "none"]
        wall, cpu, _, _ = run(cmd + [path])
        model = ""
        f = []
        for o in origins:
            upto = os.path.join(WORK, "upto.csv")
            # from the last training record (seen already: it makes
            # the series known even at the first origin)
            write_csv(upto, name, ts[ntrain - 1:o], y[ntrain - 1:o])
            out = run([os.path.join(BIN, "tsforecast"), "--load", st, "-H",
                       str(H), "--no-echo", upto])[2]
            f.append(forecasts(out)[:H])
            if not model:
                model = list(csv.DictReader(io.StringIO(out)))[0]["model"]
        print("  %s: %s, fitted in %.1f s wall, %.1f s user" %
              (meth, model, wall, cpu))
        score(meth, np.array(f))
    # the same inputs as tsforecast's: its seasonal lag is the shortest
    # period at least H long, here the daily one, m
    m_, sc, wall, cpu, ep = torch_train(ts[:ntrain], y[:ntrain], L, H, "gru",
                                        THREADS, lag=m)
    print("  torch gru: trained in %.1f s wall, %d epochs" % (wall, ep))
    score("torch", torch_forecast(m_, sc, ts, y, L, H, origins, lag=m))
    return res


def accuracy():
    ts, y = ops_series()
    print("## accuracy: ops, trained on days 1-24, origins every hour over "
          "days 25-30, lookback 60, horizon 15")
    mase_table("ops", ts, y, 24 * 1440, 60, 15, 60, 1440,
               ["snaive", "auto"])
    ts, y = taylor_series()
    print("## accuracy: taylor, trained on weeks 1-10, origins every 2 hours "
          "over weeks 11-12, lookback 96, horizon 48 (one day)")
    mase_table("taylor", ts, y, 3360, 96, 48, 4, 48, ["snaive", "auto"])


if WHAT in ("speed", "speed-c", "all"):
    speed()
if WHAT in ("accuracy", "all"):
    accuracy()
