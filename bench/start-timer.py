#!/usr/bin/env python3
"""Times `cocoon start VM` until QEMU's QMP socket answers, then the very same QEMU command line
(read from /proc of the QEMU that cocoon started) launched directly until QMP answers.
Usage: start-timer.py COCOON RUN_DIR VM RUNS. Prints one line per run and the means."""
import glob, json, os, shutil, signal, socket, statistics, subprocess, sys, time

cocoon, run_dir, vm, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])


def qmp_answers(path, deadline, process=None):
    """Until QMP on path sends its greeting; at most until deadline, or until process exits."""
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"start-timer: QEMU exited with {process.returncode}: {process.stderr.read().decode()}")
        try:
            with socket.socket(socket.AF_UNIX) as s:
                s.connect(path)
                if b"QMP" in s.recv(4096):
                    return
        except OSError:
            time.sleep(0.002)
    raise SystemExit(f"start-timer: no QMP greeting on {path}")


def cocoon_start():
    start = time.monotonic()
    subprocess.run([cocoon, "start", vm], check=True, stdout=subprocess.DEVNULL)
    exited = time.monotonic()
    sock, = glob.glob(os.path.join(run_dir, "*", "qmp.sock"))
    qmp_answers(sock, start + 120)
    answered = time.monotonic()
    pid = int(open(os.path.join(os.path.dirname(sock), "pid")).read())
    argv = open(f"/proc/{pid}/cmdline", "rb").read().decode().split("\0")[:-1]
    subprocess.run([cocoon, "stop", "--force", vm], check=True, stdout=subprocess.DEVNULL)
    return exited - start, answered - start, argv, sock


def by_hand(argv, sock):
    # cocoon stop removed the VM's run folder: make the folders the command writes to, as cocoon does.
    os.makedirs(os.path.dirname(sock), exist_ok=True)
    for arg in argv:
        if "logfile=" in arg:
            os.makedirs(os.path.dirname(arg.split("logfile=")[1].split(",")[0]), exist_ok=True)
    start = time.monotonic()
    qemu = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    qmp_answers(sock, start + 120, qemu)
    answered = time.monotonic()
    qemu.send_signal(signal.SIGTERM)
    qemu.wait()
    shutil.rmtree(os.path.dirname(sock))
    return answered - start


cocoon_exit, cocoon_qmp, hand_qmp = [], [], []
for i in range(runs):
    exited, answered, argv, sock = cocoon_start()
    cocoon_exit.append(exited)
    cocoon_qmp.append(answered)
    hand_qmp.append(by_hand(argv, sock))
    print(f"run {i + 1}: cocoon start exits {exited:.3f} s, QMP {answered:.3f} s; by hand QMP {hand_qmp[-1]:.3f} s")
print(json.dumps({"cocoon_exit": statistics.mean(cocoon_exit), "cocoon_qmp": statistics.mean(cocoon_qmp),
                  "hand_qmp": statistics.mean(hand_qmp),
                  "overhead_median": statistics.median(c - h for c, h in zip(cocoon_qmp, hand_qmp))}))
