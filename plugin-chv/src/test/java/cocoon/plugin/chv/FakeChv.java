package cocoon.plugin.chv;

import cocoon.api.Hypervisor;
import cocoon.api.VmPaths;
import cocoon.api.VmRecord;
import cocoon.runtime.plugin.Contexts;
import cocoon.runtime.store.LockScope;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The driver, opened with the runtime's real services, pointed at the fake cloud-hypervisor with chosen switches. */
final class FakeChv {

    static final Path FAKE =
            Path.of("").toAbsolutePath().getParent().resolve("testing/fake-cloud-hypervisor/cloud-hypervisor");

    final Path root;
    final Path requests;
    final Path firmware;
    final Hypervisor hypervisor;

    FakeChv(Path root, Map<String, String> environment, Map<String, String> settings) throws IOException {
        this(root, environment, settings, List.of());
    }

    /** The double started through {@code launcher}, such as a {@link NetworkNamespace}'s. */
    FakeChv(Path root, Map<String, String> environment, Map<String, String> settings, List<String> launcher)
            throws IOException {
        this.root = root;
        this.requests = root.resolve("requests.log");
        this.firmware = root.resolve("CLOUDHV.fd");
        Files.write(firmware, new byte[4096]);
        Path wrapper = root.resolve("cloud-hypervisor");
        StringBuilder script = new StringBuilder("#!/bin/bash\nexport FAKE_CHV_RECORD='" + requests + "'\n");
        environment.forEach((name, value) ->
                script.append("export ").append(name).append("='").append(value).append("'\n"));
        script.append("exec ");
        launcher.forEach(word -> script.append(word).append(' '));
        script.append('\'').append(FAKE).append("' \"$@\"\n");
        Files.writeString(wrapper, script);
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
        Map<String, String> all = new HashMap<>(Map.of(
                "binary",
                wrapper.toString(),
                "firmware",
                firmware.toString(),
                "start_timeout",
                "60s",
                "stop_grace",
                "3s",
                "api_timeout",
                "5s"));
        all.putAll(settings);
        hypervisor = new ChvProvider()
                .open(Contexts.of(
                        LockScope.hypervisor("chv"),
                        root.resolve("lib"),
                        root.resolve("run"),
                        root.resolve("log"),
                        VmFixtures.settings(all)));
    }

    FakeChv(Path root, Map<String, String> environment) throws IOException {
        this(root, environment, Map.of());
    }

    VmPaths paths() {
        return VmFixtures.paths(root);
    }

    List<String> requests() throws IOException {
        return Files.exists(requests) ? Files.readAllLines(requests) : List.of();
    }

    /** Creates every file the record names (kernel, initrd, disks) so the fake finds them like Cloud Hypervisor would. */
    static VmRecord withFiles(VmRecord vm) throws IOException, InterruptedException {
        List<Path> files = new ArrayList<>();
        if (vm.boot().bootsKernel()) {
            files.add(vm.boot().kernel());
            files.add(vm.boot().initrd());
        }
        for (var disk : vm.disks()) {
            if (disk.backingFile() != null) {
                Files.createDirectories(disk.backingFile().getParent());
                Files.createDirectories(disk.path().getParent());
                qemuImg("create", "-q", "-f", "qcow2", disk.backingFile().toString(), "16M");
                qemuImg(
                        "create",
                        "-q",
                        "-f",
                        "qcow2",
                        "-b",
                        disk.backingFile().toString(),
                        "-F",
                        "qcow2",
                        disk.path().toString());
            } else {
                files.add(disk.path());
            }
        }
        for (Path file : files) {
            Files.createDirectories(file.getParent());
            try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
                sparse.setLength(1024 * 1024);
            }
        }
        return vm;
    }

    private static void qemuImg(String... args) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("qemu-img"));
        argv.addAll(List.of(args));
        Process process = new ProcessBuilder(argv).inheritIO().start();
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("qemu-img failed: " + argv);
        }
    }
}
