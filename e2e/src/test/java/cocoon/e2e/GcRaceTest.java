package cocoon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.plugin.oci.testing.RegistryFixture;
import cocoon.plugin.oci.testing.TestLayer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Separate cocoon processes pull, create and rm while others run gc in a loop, and are seen in the
 * store at the same moment. Afterwards every VM's files exist and a final gc leaves exactly what the
 * index and the records reference.
 */
class GcRaceTest {

    private static final Duration RUN_FOR = Duration.ofSeconds(40);

    @TempDir
    Path dir;

    @Test
    void gcRacingPullCreateAndRmNeverBreaksAVm() throws Exception {
        try (RegistryFixture registry = RegistryFixture.start(dir.resolve("registry"))) {
            List<String> images = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                var base = new TestLayer()
                        .file("base.txt", "shared base\n", 0644, 0, 0)
                        // create refuses an image with no kernel or no /sbin/init; the guest never boots here.
                        .dir("boot", 0755)
                        .file("boot/vmlinuz-1", "not really a kernel\n", 0644, 0, 0)
                        .dir("sbin", 0755)
                        .file("sbin/init", "#!/bin/sh\n", 0755, 0, 0)
                        .gzip();
                var own = new TestLayer()
                        .file("own-" + i + ".txt", "image " + i + "\n", 0644, 0, 0)
                        .gzip();
                registry.pushImage("race/img" + i, "1", RegistryFixture.OCI_MANIFEST, List.of(base, own));
                images.add(registry.host() + "/race/img" + i + ":1");
            }
            CocoonCli cocoon = new CocoonCli(dir.resolve("state"));
            long deadline = System.nanoTime() + RUN_FOR.toNanos();
            LockTable.Watch watch = LockTable.Watch.start(cocoon.root());
            ExecutorService pool = Executors.newFixedThreadPool(3);
            List<Future<List<String>>> work = new ArrayList<>();
            work.add(pool.submit(() -> {
                List<String> failures = new ArrayList<>();
                while (System.nanoTime() < deadline) {
                    CocoonCli.Run gc = cocoon.run("gc", "--horizon", "0s");
                    if (gc.exit() != 0) {
                        failures.add("gc: " + gc.err());
                    }
                }
                return failures;
            }));
            for (int worker = 0; worker < 2; worker++) {
                int w = worker;
                work.add(pool.submit(() -> {
                    List<String> failures = new ArrayList<>();
                    for (int round = 0; System.nanoTime() < deadline; round++) {
                        String image = images.get((w + round) % images.size());
                        String vm = "w" + w + "-" + round;
                        step(failures, cocoon.run("pull", "--quiet", image), "pull " + image);
                        boolean created = step(
                                failures,
                                cocoon.run(
                                        "create",
                                        "--network",
                                        "none",
                                        "--name",
                                        vm,
                                        "--hypervisor",
                                        "qemu",
                                        "--storage",
                                        "64M",
                                        image),
                                "create " + vm);
                        // The other worker may have deleted the image between this pull and create: then there is no VM
                        // to rm.
                        if (created && round % 2 == 1) {
                            step(failures, cocoon.run("rm", vm), "rm " + vm);
                        }
                        if (round % 3 == 2) {
                            step(failures, cocoon.run("delete", "--force", image), "delete " + image);
                        }
                    }
                    return failures;
                }));
            }
            List<String> failures = new ArrayList<>();
            for (Future<List<String>> f : work) {
                failures.addAll(f.get());
            }
            pool.shutdown();
            watch.close();
            assertEquals(List.of(), failures);
            assertTrue(
                    watch.mostAtOnce() >= 2,
                    "gc and the workers never met in the store, so nothing raced; busiest moment: " + watch.busiest());

            cocoon.run("gc", "--horizon", "0s").ok();
            JsonNode vms = new ObjectMapper()
                    .readTree(cocoon.run("ps", "--format", "json").ok().out());
            assertTrue(vms.size() > 0, "the workers made VMs");
            List<Path> referenced = new ArrayList<>();
            for (JsonNode vm : vms) {
                for (JsonNode disk : vm.get("disks")) {
                    Path path = Path.of(disk.get("path").asText());
                    assertTrue(Files.isRegularFile(path), vm.get("name").asText() + " lost " + path);
                    referenced.add(path);
                }
            }
            for (JsonNode image : new ObjectMapper()
                    .readTree(cocoon.run("list", "--format", "json").ok().out())) {
                for (JsonNode disk : image.get("baseDisks")) {
                    referenced.add(Path.of(disk.get("path").asText()));
                }
            }
            try (var blobs = Files.list(cocoon.root().resolve("images/oci/blobs/sha256"))) {
                for (Path blob : blobs.toList()) {
                    assertTrue(referenced.contains(blob), "after a final gc nothing unreferenced remains: " + blob);
                }
            }
            Path tmpDir = cocoon.root().resolve("tmp");
            if (Files.isDirectory(tmpDir)) {
                try (var tmp = Files.list(tmpDir)) {
                    assertEquals(List.of(), tmp.toList());
                }
            }
        }
    }

    /** Whether the command succeeded; a failure other than a deleted image is recorded. */
    private static boolean step(List<String> failures, CocoonCli.Run run, String what) {
        if (run.exit() != 0 && !run.err().contains("is not pulled")) {
            failures.add(what + ": " + run.err().strip());
        }
        return run.exit() == 0;
    }
}
