"""The door while an import runs: `muster roster import` of N rows in one
process and, while it runs, `muster checkin` in another, again and again
(trainees of the importing event and of another event), each timed from
spawn to exit. Prints one JSON line: the import's time, the number of
check-ins, the worst and the median check-in, and any failure.

usage: door.py MUSTER_BINARY ROSTER_CSV ROWS [SECONDS_BETWEEN_CHECKINS]"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

muster, roster, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
interval = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
tmp = tempfile.mkdtemp()
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


importing, other = venue("importing"), venue("other")
t0 = time.monotonic()
imp = subprocess.Popen([muster, "--db", db, "--json", "roster", "import", "--event", importing[0], roster],
                       env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
# Let the import get past its first moments (opening, starting to read).
time.sleep(0.05)
waits, failures, i = [], [], 0
while imp.poll() is None:
    event, session, people = (importing, other)[i % 2]
    trainee = people[(i // 2) % len(people)]
    c0 = time.monotonic()
    w0 = time.time()
    out = subprocess.run([muster, "--db", db, "--json", "checkin", "--event", event, "--session", session,
                          "--trainee", trainee, "--at", "2026-12-01T09:05"], env=env, capture_output=True, text=True)
    c1 = time.monotonic()
    waits.append(c1 - c0)
    if os.environ.get("MUSTER_TRACE_IMPORT"):
        sys.stderr.write(f"TRACE {int(w0 * 1000)} checkin {c1 - c0:.3f}\n")
    if out.returncode != 0:
        failures.append(out.stdout.strip() or out.stderr.strip())
    i += 1
    time.sleep(max(0.02, interval - (c1 - c0)))
stdout, stderr = imp.communicate()
sys.stderr.write("".join(l + "\n" for l in stderr.splitlines() if l.startswith("TRACE")))
t1 = time.monotonic()
report = json.loads(stdout) if imp.returncode == 0 else {"error": stdout + stderr}
# A check-in with the store idle, for comparison.
c0 = time.monotonic()
run("checkin", "--event", other[0], "--session", other[1], "--trainee", other[2][-1], "--at", "2026-12-01T09:05")
idle = time.monotonic() - c0
print(json.dumps({
    "rows": rows, "imported": report.get("imported"), "import_seconds": round(t1 - t0, 2),
    "checkins": len(waits), "failed": len(failures), "worst_checkin_seconds": round(max(waits, default=0), 3),
    "median_checkin_seconds": round(statistics.median(waits), 3) if waits else None,
    "idle_checkin_seconds": round(idle, 3), "failures": failures[:3],
}, ensure_ascii=False))
