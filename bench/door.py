"""The door while an import runs: `muster roster import` of a roster in one
process and, while it runs, `muster checkin` in others, one after another
at random moments (exponential gaps, `mean` seconds on average: people
arriving at a door), half for trainees of the importing event, half for
another event. Each check-in is timed from spawn to exit. Prints one JSON
line: the import's time, the check-ins made while it ran, the worst and the
median, any failure, and a check-in with the store idle afterwards.

usage: door.py MUSTER_BINARY ROSTER_CSV ROWS [MEAN_SECONDS_BETWEEN_CHECKINS (1)]"""
import atexit
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

muster, roster, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
mean = float(sys.argv[4]) if len(sys.argv) > 4 else 1.0
rng = random.Random(rows)
tmp = tempfile.mkdtemp()
atexit.register(shutil.rmtree, tmp, True)
db = os.path.join(tmp, "m.db")
env = dict(os.environ, XDG_DATA_HOME=tmp)
env.pop("MUSTER_PASSPHRASE", None)


def run(*args):
    out = subprocess.run([muster, "--db", db, "--json", *args], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"muster {' '.join(args)} failed: {out.stdout}{out.stderr}")
    return json.loads(out.stdout)


def venue(name):
    event = run("event", "create", "--name", name, "--starts", "2026-12-01")["id"]
    session = run("session", "add", "--event", event, "--title", "Day 1", "--starts", "2026-12-01T09:00", "--ends", "2026-12-01T17:00")["id"]
    small = os.path.join(tmp, f"{name}.csv")
    with open(small, "w", encoding="utf-8") as f:
        f.write("姓名,手机\n" + "".join(f"门口{i},139{i:08d}\n" for i in range(300)))
    run("roster", "import", "--event", event, small)
    people = [t["id"] for t in run("roster", "list", "--event", event)["trainees"]]
    return event, session, people


def checkin(event, session, trainee):
    c0 = time.monotonic()
    out = subprocess.run([muster, "--db", db, "--json", "checkin", "--event", event, "--session", session,
                          "--trainee", trainee, "--at", "2026-12-01T09:05"], env=env, capture_output=True, text=True)
    return time.monotonic() - c0, None if out.returncode == 0 else (out.stdout.strip() or out.stderr.strip())


importing, other = venue("importing"), venue("other")
t0 = time.monotonic()
imp = subprocess.Popen([muster, "--db", db, "--json", "roster", "import", "--event", importing[0], roster],
                       env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
waits, failures, i = [], [], 0
next_at = time.monotonic() + rng.expovariate(1 / mean)
while imp.poll() is None:
    if time.monotonic() < next_at:
        time.sleep(0.005)
        continue
    event, session, people = (importing, other)[i % 2]
    # Started while the import ran (it may end while this one waits).
    wait, failure = checkin(event, session, people[(i // 2) % len(people)])
    waits.append(wait)
    if failure:
        failures.append(failure)
    i += 1
    next_at += rng.expovariate(1 / mean)
stdout, stderr = imp.communicate()
t1 = time.monotonic()
report = json.loads(stdout) if imp.returncode == 0 else {"error": stdout + stderr}
idle, _ = checkin(other[0], other[1], other[2][-1])
print(json.dumps({
    "rows": rows, "imported": report.get("imported"), "import_seconds": round(t1 - t0, 2),
    "mean_seconds_between_checkins": mean, "checkins_during_import": len(waits), "failed": len(failures),
    "worst_checkin_seconds": round(max(waits, default=0), 3),
    "median_checkin_seconds": round(statistics.median(waits), 3) if waits else None,
    "idle_checkin_seconds": round(idle, 3), "failures": failures[:3],
}, ensure_ascii=False))
