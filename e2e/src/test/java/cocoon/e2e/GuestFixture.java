package cocoon.e2e;

import cocoon.plugin.oci.testing.RegistryFixture;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The demo OCI VM image (guest/build-oci-demo.sh) pushed to a real registry, and a cocoon state of
 * its own that runs real guests under QEMU. Remembers every VM and QEMU pid it saw so that
 * {@link #close()} leaves nothing running, whatever a test left behind.
 */
final class GuestFixture implements AutoCloseable {

    static final String BANNER = "Cocoon demo VM ready";
    static final String POWERING_OFF = "Cocoon demo VM powering off";
    /** TCG on a shared 2-core machine: a boot took 6-50 s when measured, so leave ample headroom. */
    static final Duration BOOT_TIMEOUT = Duration.ofMinutes(3);

    static final String MEMORY = "256M";
    static final String STORAGE = "256M";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(5);

    private final RegistryFixture registry;
    private final CocoonCli cocoon;
    private final String image;
    private final Path layout;
    private final Set<String> vms = new LinkedHashSet<>();
    /** Handles, not pids: a handle knows its process's start time, so a reused pid is never taken for it. */
    private final List<ProcessHandle> qemus = new ArrayList<>();

    private GuestFixture(RegistryFixture registry, CocoonCli cocoon, String image, Path layout) {
        this.registry = registry;
        this.cocoon = cocoon;
        this.image = image;
        this.layout = layout;
    }

    /** Builds (or reuses the cached) demo image, starts a registry under {@code dir} and pushes the image to it. */
    static GuestFixture start(Path dir) throws IOException, InterruptedException {
        Path layout = dir.resolve("oci-layout");
        exec(
                BUILD_TIMEOUT,
                "bash",
                CocoonCli.REPO.resolve("guest/build-oci-demo.sh").toString(),
                layout.toString());
        RegistryFixture registry = RegistryFixture.start(Files.createDirectories(dir.resolve("registry")));
        try {
            String image = registry.host() + "/cocoon/demo:latest";
            exec(
                    BUILD_TIMEOUT,
                    "bash",
                    CocoonCli.REPO.resolve("guest/push-oci.sh").toString(),
                    layout.toString(),
                    image);
            return new GuestFixture(registry, new CocoonCli(dir.resolve("state")), image, layout);
        } catch (IOException | RuntimeException | Error e) {
            registry.close();
            throw e;
        }
    }

    CocoonCli cocoon() {
        return cocoon;
    }

    String image() {
        return image;
    }

    /** The registry the demo image was pushed to, for tests that push variants of it. */
    RegistryFixture registry() {
        return registry;
    }

    /** The demo image's layer blobs (gzip), bottom first, as its OCI layout holds them. */
    List<RegistryFixture.Layer> demoLayers() throws IOException {
        return layoutLayers(layout);
    }

    /** The layer blobs (gzip), bottom first, of the one image in an OCI image layout. */
    static List<RegistryFixture.Layer> layoutLayers(Path layout) throws IOException {
        Path blobs = layout.resolve("blobs/sha256");
        String manifest = JSON.readTree(layout.resolve("index.json").toFile())
                .get("manifests")
                .get(0)
                .get("digest")
                .asText();
        List<RegistryFixture.Layer> layers = new ArrayList<>();
        for (JsonNode layer :
                JSON.readTree(blobs.resolve(hex(manifest)).toFile()).get("layers")) {
            layers.add(new RegistryFixture.Layer(
                    Files.readAllBytes(blobs.resolve(hex(layer.get("digest").asText()))), false));
        }
        return layers;
    }

    private static String hex(String digest) {
        return digest.substring(digest.indexOf(':') + 1);
    }

    /** {@code cocoon create} of a small QEMU VM from the demo image; the VM is removed by {@link #close()}. */
    CocoonCli.Run create(String name) {
        return create(name, image);
    }

    /** {@code cocoon create} of a small QEMU VM from {@code reference}; the VM is removed by {@link #close()}. */
    CocoonCli.Run create(String name, String reference) {
        return create(name, reference, List.of());
    }

    /**
     * {@code cocoon create} of a small QEMU VM from {@code reference} with {@code more} after the image (flags, a
     * command); the VM is removed by {@link #close()}.
     */
    CocoonCli.Run create(String name, String reference, List<String> more) {
        vms.add(name);
        List<String> args = new ArrayList<>(List.of(
                "create",
                "--network",
                "none",
                "--name",
                name,
                "--hypervisor",
                "qemu",
                "--accel",
                "tcg",
                "--cpu",
                "1",
                "--memory",
                MEMORY,
                "--storage",
                STORAGE,
                reference));
        args.addAll(more);
        return cocoon.run(args.toArray(String[]::new));
    }

    /** Pulls the demo image, makes {@code name} of it and starts it, and waits for its banner: a running guest. */
    void bootDemo(String name) {
        cocoon.run("pull", "--quiet", image).ok();
        create(name).ok();
        start(name).ok();
        awaitConsole(name, BANNER, 1, BOOT_TIMEOUT);
    }

    /** The snapshots {@code snapshot ls} lists, by name. */
    List<String> snapshotNames() {
        List<String> names = new ArrayList<>();
        try {
            JSON.readTree(cocoon.run("snapshot", "ls", "--format", "json").ok().out())
                    .forEach(snapshot -> names.add(snapshot.get("name").asText()));
        } catch (IOException e) {
            throw new AssertionError("snapshot ls printed no JSON: " + e, e);
        }
        return names;
    }

    /** Removes {@code name}, made by another command than {@link #create} (a clone), at {@link #close()}. */
    void remember(String name) {
        vms.add(name);
    }

    /** {@code cocoon start}, remembering the QEMU pid so it is killed at the end even if cocoon loses track of it. */
    CocoonCli.Run start(String name) {
        CocoonCli.Run run = cocoon.run("start", name);
        if (run.exit() == 0) {
            ProcessHandle.of(vm(name).get("pid").asLong())
                    .filter(GuestFixture::isQemu)
                    .ifPresent(qemus::add);
        }
        return run;
    }

    JsonNode inspect(String name) {
        try {
            return JSON.readTree(cocoon.run("inspect", name).ok().out());
        } catch (IOException e) {
            throw new AssertionError("inspect " + name + " printed no JSON: " + e, e);
        }
    }

    JsonNode vm(String name) {
        return inspect(name).get("vm");
    }

    String state(String name) {
        return vm(name).get("state").asText().toLowerCase(Locale.ROOT);
    }

    Path consoleLog(String name) {
        return Path.of(inspect(name).get("paths").get("logDir").asText()).resolve("console.log");
    }

    /** Everything the VM printed on its console, over all its boots. */
    String console(String name) {
        return read(consoleLog(name));
    }

    /** Waits until the console log holds {@code text} at least {@code times} times (the log is appended across boots). */
    void awaitConsole(String name, String text, int times, Duration timeout) {
        Path log = consoleLog(name);
        await(
                timeout,
                () -> "VM " + name + " did not print '" + text + "' " + times + " time(s) within " + timeout
                        + "; console.log ends with:\n" + tail(read(log), 40),
                () -> count(read(log), text) >= times);
    }

    /** Types {@code commands} into the console through a pipe, as a script would, and returns what the guest printed. */
    String pipe(String name, String commands) {
        return cocoon.run(Duration.ofSeconds(90), commands, "console", name)
                .ok()
                .out();
    }

    /** Milliseconds since {@code startNanos}, printed so the surefire report carries the stage timings. */
    static long report(String stage, long startNanos) {
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        System.out.printf("[timing] %-28s %6d ms%n", stage, millis);
        return millis;
    }

    static void await(Duration timeout, Supplier<String> failure, BooleanSupplier done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(failure.get());
            }
            sleep(200);
        }
    }

    static int count(String haystack, String needle) {
        int n = 0;
        for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }

    static String tail(String text, int lines) {
        List<String> all = text.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? new String(Files.readAllBytes(file), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** Runs a build script; its output is shown only when it fails. */
    static void exec(Duration timeout, String... command) throws IOException, InterruptedException {
        Path log = Files.createTempFile("cocoon-e2e-script", ".log");
        try {
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout);
            }
            if (process.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " failed (exit " + process.exitValue() + "):\n"
                        + Files.readString(log));
            }
        } finally {
            Files.delete(log);
        }
    }

    /**
     * Removes every VM this fixture made, kills any QEMU still alive, stops the registry; then fails if
     * an {@code rm --force} failed or left its QEMU running.
     */
    @Override
    public void close() {
        List<String> problems = new ArrayList<>();
        Set<String> existing = new LinkedHashSet<>();
        try {
            JSON.readTree(cocoon.run("ps", "--format", "json").out())
                    .forEach(vm -> existing.add(vm.get("name").asText()));
        } catch (IOException | RuntimeException e) {
            existing.addAll(vms);
        }
        for (String name : vms) {
            if (existing.contains(name)) {
                CocoonCli.Run rm = cocoon.run(Duration.ofMinutes(2), null, "rm", "--force", name);
                if (rm.exit() != 0) {
                    problems.add("rm --force " + name + ": " + rm.err().strip());
                }
            }
        }
        for (ProcessHandle qemu : qemus) {
            // A zombie awaiting its reaper has no command line any more: only a running QEMU counts.
            if (qemu.isAlive() && isQemu(qemu)) {
                problems.add("QEMU pid " + qemu.pid() + " outlived rm --force");
                qemu.destroyForcibly();
            }
        }
        registry.close();
        if (!problems.isEmpty()) {
            throw new AssertionError("cleanup: " + String.join("; ", problems));
        }
    }

    private static boolean isQemu(ProcessHandle process) {
        return process.info()
                .command()
                .map(command -> command.contains("qemu-system"))
                .orElse(false);
    }
}
