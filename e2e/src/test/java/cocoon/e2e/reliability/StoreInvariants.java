package cocoon.e2e.reliability;

import cocoon.e2e.CocoonCli;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What must hold in a store at every instant a cocoon process can die, read straight from the files
 * (and from {@code ps}/{@code list}, which must keep working): each returned line is one violation.
 */
final class StoreInvariants {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final CocoonCli cocoon;

    StoreInvariants(CocoonCli cocoon) {
        this.cocoon = cocoon;
    }

    /** Records, indexes and blobs are whole and consistent, and the CLI still reads the store. */
    List<String> check() throws IOException, InterruptedException {
        List<String> problems = new ArrayList<>();
        Path root = cocoon.root();
        for (String command : List.of("ps", "list")) {
            CocoonCli.Run run = cocoon.run(command, "--format", "json");
            if (run.exit() != 0) {
                problems.add("cocoon " + command + " exits " + run.exit() + ": "
                        + run.err().strip());
            }
        }
        for (Path record : children(root.resolve("vms")).stream()
                .map(dir -> dir.resolve("vm.json"))
                .filter(Files::exists)
                .toList()) {
            JsonNode vm = parse(record, problems);
            if (vm == null) {
                continue;
            }
            for (JsonNode disk : vm.path("disks")) {
                exists(disk.path("path"), record + " disk", problems);
                exists(disk.path("backingFile"), record + " backing file", problems);
            }
            exists(vm.path("boot").path("kernel"), record + " kernel", problems);
            exists(vm.path("boot").path("initrd"), record + " initrd", problems);
        }
        checkSnapshots(root, problems);
        Path ociIndex = root.resolve("images/oci/index.json");
        if (Files.exists(ociIndex)) {
            parse(ociIndex, problems);
        }
        for (Path blob : visible(root.resolve("images/oci/blobs/sha256"))) {
            String name = blob.getFileName().toString();
            if (!name.matches("[0-9a-f]{64}\\.erofs")) {
                problems.add("unexpected entry among the layer blobs: " + blob);
            } else if (!tool(problems, "fsck.erofs", blob.toString())) {
                problems.add("not a valid EROFS image: " + blob);
            }
        }
        checkCloudImages(root.resolve("images/cloudimg"), problems);
        return problems;
    }

    /**
     * {@code snapshot ls} lists exactly the snapshot folders whose record is written (never a half snapshot), and
     * every file a record names exists.
     */
    private void checkSnapshots(Path root, List<String> problems) throws IOException {
        CocoonCli.Run ls = cocoon.run("snapshot", "ls", "--format", "json");
        if (ls.exit() != 0) {
            problems.add(
                    "cocoon snapshot ls exits " + ls.exit() + ": " + ls.err().strip());
            return;
        }
        Set<String> listed = new HashSet<>();
        JSON.readTree(ls.out())
                .forEach(snapshot -> listed.add(snapshot.path("id").asText()));
        Set<String> recorded = new HashSet<>();
        for (Path folder : children(root.resolve("snapshots"))) {
            Path record = folder.resolve("snapshot.json");
            if (!Files.exists(record)) {
                continue;
            }
            recorded.add(folder.getFileName().toString());
            JsonNode snapshot = parse(record, problems);
            if (snapshot == null) {
                continue;
            }
            for (JsonNode disk : snapshot.path("disks")) {
                exists(disk.path("path"), record + " disk", problems);
            }
            exists(snapshot.path("memoryState"), record + " memory state", problems);
        }
        if (!listed.equals(recorded)) {
            problems.add("snapshot ls lists " + listed + " but the records written are " + recorded);
        }
    }

    /**
     * Every index entry names a base that exists with the size it recorded; every visible base is a whole,
     * self-contained qcow2 ({@code qemu-img check}, no backing file); a base pulled as qcow2 has the
     * digest it is named by (a converted one is named by the digest of the bytes downloaded).
     */
    private static void checkCloudImages(Path store, List<String> problems) throws IOException, InterruptedException {
        Path blobs = store.resolve("blobs");
        Set<String> servedAsQcow2 = new HashSet<>();
        Path index = store.resolve("index.json");
        JsonNode entries = Files.exists(index) ? parse(index, problems) : null;
        if (entries != null) {
            for (JsonNode entry : entries.path("images")) {
                String hex = entry.path("digest").asText().replace("sha256:", "");
                Path base = blobs.resolve(hex + ".qcow2");
                if (!Files.exists(base)) {
                    problems.add("index entry " + entry.path("url").asText() + " names a missing base: " + base);
                } else if (Files.size(base) != entry.path("blobBytes").asLong()) {
                    problems.add("base " + base + " is " + Files.size(base) + " bytes, the index recorded "
                            + entry.path("blobBytes").asLong());
                }
                if (entry.path("sourceFormat").asText().equals("qcow2")) {
                    servedAsQcow2.add(hex);
                }
            }
        }
        for (Path base : visible(blobs)) {
            String name = base.getFileName().toString();
            if (!name.matches("[0-9a-f]{64}\\.qcow2")) {
                problems.add("unexpected entry among the cloud bases: " + base);
                continue;
            }
            if (!tool(problems, "qemu-img", "check", "-U", "-q", "-f", "qcow2", base.toString())) {
                problems.add("cloud base fails qemu-img check: " + base);
            } else if (JSON.readTree(output("qemu-img", "info", "-U", "-f", "qcow2", "--output=json", base.toString()))
                    .has("backing-filename")) {
                problems.add("cloud base with a backing file: " + base);
            }
            if (servedAsQcow2.contains(name.substring(0, 64)) && !sha256(base).equals(name.substring(0, 64))) {
                problems.add("cloud base whose content does not match its name: " + base);
            }
        }
    }

    /** Runs {@code gc --horizon 0s}; then every file in the store is named by an image or a VM, and nothing is in flight. */
    List<String> checkCollected() throws IOException, InterruptedException {
        List<String> problems = new ArrayList<>();
        Path root = cocoon.root();
        CocoonCli.Run gc = cocoon.run("gc", "--horizon", "0s");
        if (gc.exit() != 0) {
            problems.add("gc exits " + gc.exit() + ": " + gc.err().strip());
            return problems;
        }
        Set<Path> referenced = new HashSet<>();
        Set<String> ids = new HashSet<>();
        for (JsonNode vm :
                JSON.readTree(cocoon.run("ps", "--format", "json").ok().out())) {
            ids.add(vm.path("id").asText());
            for (JsonNode disk : vm.path("disks")) {
                referenced.add(Path.of(disk.path("path").asText()));
                if (disk.hasNonNull("backingFile")) {
                    referenced.add(Path.of(disk.path("backingFile").asText()));
                }
            }
            for (String file : List.of("kernel", "initrd")) {
                if (vm.path("boot").hasNonNull(file)) {
                    referenced.add(Path.of(vm.path("boot").path(file).asText()).getParent());
                }
            }
        }
        for (JsonNode image :
                JSON.readTree(cocoon.run("list", "--format", "json").ok().out())) {
            for (JsonNode disk : image.path("baseDisks")) {
                referenced.add(Path.of(disk.path("path").asText()));
            }
            for (String file : List.of("kernel", "initrd")) {
                if (image.path("boot").hasNonNull(file)) {
                    referenced.add(
                            Path.of(image.path("boot").path(file).asText()).getParent());
                }
            }
        }
        List<Path> stored = new ArrayList<>();
        stored.addAll(children(root.resolve("images/oci/blobs/sha256")));
        stored.addAll(children(root.resolve("images/oci/boot")));
        stored.addAll(children(root.resolve("images/cloudimg/blobs")));
        for (Path file : stored) {
            if (!referenced.contains(file)) {
                problems.add("left after gc though nothing uses it: " + file);
            }
        }
        for (Path folder : children(root.resolve("snapshots"))) {
            if (!Files.exists(folder.resolve("snapshot.json"))) {
                problems.add("half-written snapshot left after gc --horizon 0s: " + folder);
            }
        }
        for (Path entry : children(root.resolve("tmp"))) {
            problems.add("temp entry left after gc --horizon 0s: " + entry);
        }
        for (Path dir : List.of(root.resolve("vms"), cocoon.runDir(), cocoon.logDir())) {
            for (Path vm : children(dir)) {
                // Beside the VMs' folders the run dir keeps the QEMU plugin's probe caches (qemu-version,
                // qemu-machine).
                boolean cache = dir.equals(cocoon.runDir()) && Files.isRegularFile(vm, LinkOption.NOFOLLOW_LINKS);
                if (!cache && !ids.contains(vm.getFileName().toString())) {
                    problems.add("folder of a VM that does not exist, left after gc: " + vm);
                }
            }
        }
        for (Path dir : List.of(root.resolve("images/oci"), root.resolve("images/cloudimg"))) {
            for (Path entry : children(dir)) {
                if (entry.getFileName().toString().startsWith(".")) {
                    problems.add("hidden temp file left after gc: " + entry);
                }
            }
        }
        for (Path vm : children(root.resolve("vms"))) {
            for (Path entry : children(vm)) {
                if (entry.getFileName().toString().startsWith(".")) {
                    problems.add("hidden temp file left after gc: " + entry);
                }
            }
        }
        return problems;
    }

    private static JsonNode parse(Path file, List<String> problems) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            problems.add("does not parse: " + file + ": " + e.getMessage());
            return null;
        }
    }

    private static void exists(JsonNode path, String what, List<String> problems) {
        if (path.isTextual() && !Files.exists(Path.of(path.asText()))) {
            problems.add(what + " is missing: " + path.asText());
        }
    }

    private static List<Path> visible(Path dir) throws IOException {
        return children(dir).stream()
                .filter(p -> !p.getFileName().toString().startsWith("."))
                .toList();
    }

    static List<Path> children(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.sorted().toList();
        }
    }

    /** Runs a checking tool; a failure adds what it printed (its last line), so the report says why. */
    private static boolean tool(List<String> problems, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String said = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            problems.add(String.join(" ", command) + " hangs");
            return false;
        }
        if (process.exitValue() != 0) {
            problems.add(command[0] + " says: " + said.substring(said.lastIndexOf('\n') + 1));
        }
        return process.exitValue() == 0;
    }

    static String output(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " failed");
        }
        return out;
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
