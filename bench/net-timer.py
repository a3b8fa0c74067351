#!/usr/bin/env python3
"""The timing loops of net.sh, run inside its network namespace.

  net-timer.py start COCOON RUNS VM...   `cocoon start VM` until the command exits, until QMP greets and
      until the guest prints its banner on the console; then `cocoon stop --force`. Each run starts every
      VM once, one at a time, in an order that rotates from run to run. Prints one line per start and,
      last, per VM as JSON the medians and the medians of the per-run differences to the first VM.
  net-timer.py http RUNS FETCHES REQUESTS URL...   per URL (the server's base, e.g. http://127.0.0.1:8080):
      one curl fetching /big.bin FETCHES times, and one curl asking for /index.html REQUESTS times, each
      timed whole; URLs alternate within a run. Prints one line per run and, last, the medians (MB/s,
      requests/s) per URL as JSON.
"""
import json, os, socket, statistics, subprocess, sys, time

BANNER = b"Cocoon demo VM ready"


def until(what, check, deadline):
    while time.monotonic() < deadline:
        if check():
            return time.monotonic()
        time.sleep(0.002)
    raise SystemExit(f"net-timer: {what} did not happen in time")


def qmp_greets(path):
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(path)
            return b"QMP" in s.recv(4096)
    except OSError:
        return False


def banners(log):
    try:
        with open(log, "rb") as f:
            return f.read().count(BANNER)
    except FileNotFoundError:
        return 0


def start(cocoon, runs, vms):
    paths = {}
    for vm in vms:
        inspected = json.loads(subprocess.run([cocoon, "inspect", vm], check=True, capture_output=True).stdout)
        paths[vm] = (os.path.join(inspected["paths"]["runDir"], "qmp.sock"),
                     os.path.join(inspected["paths"]["logDir"], "console.log"))
    times = {vm: {"exit": [], "qmp": [], "ready": []} for vm in vms}
    for run in range(runs):
        for vm in vms[run % len(vms):] + vms[:run % len(vms)]:
            sock, log = paths[vm]
            seen = banners(log)
            began = time.monotonic()
            subprocess.run([cocoon, "start", vm], check=True, stdout=subprocess.DEVNULL)
            exited = time.monotonic()
            greeted = until(f"QMP of {vm}", lambda: qmp_greets(sock), began + 60)
            ready = until(f"the banner of {vm}", lambda: banners(log) > seen, began + 120)
            subprocess.run([cocoon, "stop", "--force", vm], check=True, stdout=subprocess.DEVNULL)
            for key, at in (("exit", exited), ("qmp", greeted), ("ready", ready)):
                times[vm][key].append(at - began)
            print(f"run {run + 1} {vm}: exits {exited - began:.3f} s, QMP {greeted - began:.3f} s,"
                  f" banner {ready - began:.3f} s", flush=True)
    # Starts of one run follow each other, so their differences to the first VM's suffer the least from load.
    medians = {}
    for vm, t in times.items():
        medians[vm] = {key: statistics.median(v) for key, v in t.items()}
        for key in ("exit", "ready"):
            medians[vm][key + "_extra"] = statistics.median(a - b for a, b in zip(t[key], times[vms[0]][key]))
    print(json.dumps(medians))


def curl_seconds(urls):
    began = time.monotonic()
    subprocess.run(["curl", "-sSf", "--max-time", "120"] + urls, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - began


def http(runs, fetches, requests, bases):
    big = len(body_of(bases[0] + "/big.bin"))
    rates = {base: {"mb_s": [], "req_s": []} for base in bases}
    for base in bases:
        curl_seconds([base + "/big.bin"])
    for run in range(runs):
        line = []
        for base in bases[run % len(bases):] + bases[:run % len(bases)]:
            mb_s = fetches * big / 1e6 / curl_seconds([base + "/big.bin"] * fetches)
            req_s = requests / curl_seconds([base + "/index.html"] * requests)
            rates[base]["mb_s"].append(mb_s)
            rates[base]["req_s"].append(req_s)
            line.append(f"{base} {mb_s:.0f} MB/s, {req_s:.0f} req/s")
        print(f"run {run + 1}: " + "; ".join(line), flush=True)
    print(json.dumps({base: {key: statistics.median(v) for key, v in r.items()} for base, r in rates.items()}))


def body_of(url):
    return subprocess.run(["curl", "-sSf", "--max-time", "60", url], check=True, capture_output=True).stdout


if sys.argv[1] == "start":
    start(sys.argv[2], int(sys.argv[3]), sys.argv[4:])
elif sys.argv[1] == "http":
    http(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5:])
else:
    raise SystemExit(__doc__)
