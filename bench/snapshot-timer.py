#!/usr/bin/env python3
"""Times, for the demo VM VM (created, stopped): a cold `cocoon start` until the guest's banner in its console log;
`cocoon snapshot save` of the running guest, with the snapshot's size; and `cocoon clone` of that memory snapshot
until the clone's console answers a command (a shell reply computed by the guest), both as two commands (`clone`,
then `console`) and as one (`clone --console`), each RUNS times.
Usage: snapshot-timer.py COCOON VM RUNS BANNER. Prints one line per run, then one JSON line of figures."""
import json, os, select, statistics, subprocess, sys, time

cocoon, vm, runs, banner = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4].encode()


def run(*args):
    return subprocess.run([cocoon, *args], check=True, capture_output=True).stdout.decode()


def inspect(name):
    return json.loads(run("inspect", name))


def console_log(name):
    return os.path.join(inspect(name)["paths"]["logDir"], "console.log")


def banners(log):
    try:
        return open(log, "rb").read().count(banner)
    except FileNotFoundError:
        return 0


def cold_start():
    log = console_log(vm)
    before = banners(log)
    start = time.monotonic()
    run("start", vm)
    while banners(log) <= before:
        if time.monotonic() - start > 300:
            raise SystemExit("snapshot-timer: no banner within 300 s")
        time.sleep(0.01)
    return time.monotonic() - start


def disk_usage(folder):
    allocated = apparent = 0
    for parent, _, files in os.walk(folder):
        for file in files:
            stat = os.stat(os.path.join(parent, file))
            allocated += stat.st_blocks * 512
            apparent += stat.st_size
    return allocated, apparent


def save(name):
    start = time.monotonic()
    run("snapshot", "save", vm, "--name", name)
    took = time.monotonic() - start
    snapshot = json.loads(run("snapshot", "inspect", name))
    allocated, apparent = disk_usage(snapshot["folder"])
    state, _ = disk_usage(snapshot["snapshot"]["memoryState"])
    return took, allocated, apparent, state


def console_answers(argv, name, start):
    """Types a command into the console `argv` attaches until the guest's own reply (42) comes back."""
    console = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    seen = b""
    typed = 0.0
    try:
        while True:
            now = time.monotonic()
            if now - start > 120:
                raise SystemExit(f"snapshot-timer: clone {name} did not answer within 120 s: {seen[-400:]!r}")
            if now - typed > 0.5:
                console.stdin.write(b"echo $((6*7))\n")
                console.stdin.flush()
                typed = now
            ready, _, _ = select.select([console.stdout], [], [], 0.05)
            if ready:
                seen += os.read(console.stdout.fileno(), 65536)
                if b"\n42\r" in seen or b"\n42\n" in seen:
                    return time.monotonic() - start
    finally:
        console.kill()
        console.wait()


def resumed(name):
    if banners(console_log(name)):
        raise SystemExit(f"snapshot-timer: {name} booted (its console shows the banner) instead of resuming")
    run("rm", "--force", name)


def clone(snapshot, name):
    """`clone`, then `console` in a second command: until the clone command exits, and until the guest answers."""
    start = time.monotonic()
    run("clone", snapshot, "--name", name)
    exited = time.monotonic() - start
    answered = console_answers([cocoon, "console", name], name, start)
    resumed(name)
    return exited, answered


def clone_attached(snapshot, name):
    """`clone --console`: one command until the guest answers."""
    start = time.monotonic()
    answered = console_answers([cocoon, "clone", snapshot, "--name", name, "--console"], name, start)
    resumed(name)
    return answered


cold = []
for i in range(runs):
    cold.append(cold_start())
    print(f"cold start {i + 1}: banner after {cold[-1]:.3f} s", flush=True)
    if i < runs - 1:
        run("stop", "--force", vm)

saves, sizes = [], []
for i in range(runs):
    took, allocated, apparent, state = save(f"warm{i}")
    saves.append(took)
    sizes.append((allocated, apparent, state))
    print(f"save {i + 1}: {took:.3f} s, folder {allocated >> 20} MiB allocated ({apparent >> 20} MiB apparent),"
          f" memory state {state >> 20} MiB", flush=True)
    if i > 0:
        run("snapshot", "rm", f"warm{i}")

clone_exit, clone_answer, clone_console = [], [], []
for i in range(runs):
    exited, answered = clone("warm0", f"clone{i}")
    clone_exit.append(exited)
    clone_answer.append(answered)
    clone_console.append(clone_attached("warm0", f"attached{i}"))
    print(f"clone {i + 1}: command exited after {exited:.3f} s, console answered after {answered:.3f} s;"
          f" clone --console answered after {clone_console[-1]:.3f} s", flush=True)

print(json.dumps({
    "cold_banner": statistics.mean(cold),
    "save": statistics.mean(saves),
    "snapshot_allocated": statistics.mean(s[0] for s in sizes),
    "snapshot_apparent": statistics.mean(s[1] for s in sizes),
    "memory_state": statistics.mean(s[2] for s in sizes),
    "clone_exit": statistics.mean(clone_exit),
    "clone_answer": statistics.mean(clone_answer),
    "clone_console_answer": statistics.mean(clone_console),
}))
