#!/usr/bin/env python3
"""What each ahead-of-time cache of the runtime image saves, against its bytes: `version` with the cli cache,
with the store cache instead and with no class sharing; `ps` (200 VMs), `inspect` and `list` with the store cache
and with none (and with the JDK's default CDS archive, for an image that still has one). The command lines are
the launcher's; the configurations alternate within every run, and medians of wall and user + system CPU are
printed. The store is the scratch store of cocoon.runtime.AotTraining (200 VM records), made in a temp folder.
Usage: bench/aot-caches.py          (BENCH_RUNS=N changes the runs, default 10; COCOON_IMAGE=DIR another image)"""
import os, resource, shutil, statistics, subprocess, sys, tempfile, time

repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
home = os.environ.get("COCOON_IMAGE", f"{repo}/distribution/target/cocoon")
runs = int(os.environ.get("BENCH_RUNS", "10"))
modules = ["-Djdk.reflect.useNativeAccessorOnly=true", "--sun-misc-unsafe-memory-access=allow",
           "--enable-native-access=com.sun.jna", f"-Dcocoon.home={home}", "--module-path", f"{home}/lib/app",
           "--add-modules", "ALL-MODULE-PATH", "--module"]


def argv(share, args):
    return [f"{home}/bin/java", *share, "-Xlog:aot=off", "-Xlog:cds=off", "-XX:TieredStopAtLevel=1",
            "-XX:CompileThresholdScaling=4", "-XX:+UseSerialGC", "-XX:-UsePerfData", *modules,
            "cocoon.runtime/cocoon.runtime.Main", *args]


work = tempfile.mkdtemp(prefix="cocoon-aot-")
try:
    store = f"{work}/store"
    subprocess.run([f"{home}/bin/java", "-Xlog:aot=off", "-Xlog:cds=off", *modules,
                    "cocoon.runtime/cocoon.runtime.AotTraining", "store", store],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    dirs = ["--root-dir", f"{store}/root", "--run-dir", f"{store}/run", "--log-dir", f"{store}/log",
            "--config", f"{store}/config.toml"]
    configs = {"cli cache": [f"-XX:AOTCache={home}/lib/cocoon-cli.aot"],
               "store cache": [f"-XX:AOTCache={home}/lib/cocoon-store.aot"],
               "no sharing": ["-Xshare:off"]}
    if os.path.exists(f"{home}/lib/server/classes.jsa"):
        configs["default CDS"] = []
    commands = {"version": ["version"], "ps, 200 VMs": dirs + ["ps"], "inspect": dirs + ["inspect", "vm-7"],
                "list": dirs + ["list"]}
    print(f"machine: {os.cpu_count()} cores, load {' '.join(open('/proc/loadavg').read().split()[:3])}")
    results = {}
    for _ in range(runs):
        for command, args in commands.items():
            for config, share in configs.items():
                if config == "cli cache" and command != "version":
                    continue
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                started = time.perf_counter()
                subprocess.run(argv(share, args), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
                wall = time.perf_counter() - started
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
                results.setdefault((command, config), []).append((wall, cpu))
    print(f"median of {runs} runs")
    for (command, config), times in results.items():
        print(f"{command:13} {config:12} wall {statistics.median(w for w, _ in times) * 1000:5.0f} ms"
              f"   CPU {statistics.median(c for _, c in times) * 1000:5.0f} ms")
    for cache in ("cocoon-cli.aot", "cocoon-store.aot", "server/classes.jsa", "server/classes_nocoops.jsa"):
        if os.path.exists(f"{home}/lib/{cache}"):
            print(f"lib/{cache}: {os.path.getsize(f'{home}/lib/{cache}'):,} bytes")
    print(f"machine: load {' '.join(open('/proc/loadavg').read().split()[:3])}")
finally:
    shutil.rmtree(work)
