package cocoon.e2e.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a cloud image pull's traces in the store: how far a killed pull got, and whether a finished one is right. */
final class CloudPulls {

    private static final ObjectMapper JSON = new ObjectMapper();

    private CloudPulls() {}

    /** Where a pull of {@code url} stopped: before the download, part-way, converting, committed, or indexed. */
    static String phase(Path root, String url, long size) throws IOException {
        JsonNode entry = entry(root, url);
        if (entry != null) {
            return "indexed";
        }
        Path tmp = root.resolve("tmp");
        long part = -1;
        boolean converting = false;
        for (Path file : StoreInvariants.children(tmp)) {
            String name = file.getFileName().toString();
            if (name.contains(".part-") && name.endsWith(".qcow2")) {
                converting = true;
            } else if (name.endsWith(".part")) {
                part = Files.size(file);
            }
        }
        if (converting) {
            return "converting";
        }
        if (part < 0) {
            return StoreInvariants.children(root.resolve("images/cloudimg/blobs"))
                            .isEmpty()
                    ? "not started"
                    : "committed";
        }
        return part == size ? "downloaded" : "download " + (100 * part / size) + "%";
    }

    /** The index maps {@code url} to the digest of {@code source}, and its base holds exactly the same disk. */
    static void requireBaseHolds(Path root, String url, Path source) throws IOException, InterruptedException {
        JsonNode entry = entry(root, url);
        if (entry == null) {
            throw new AssertionError("no index entry for " + url + " after the pull");
        }
        String hex = StoreInvariants.sha256(source);
        if (!entry.path("digest").asText().equals("sha256:" + hex)) {
            throw new AssertionError(
                    url + " is recorded as " + entry.path("digest").asText() + ", the server sent sha256:" + hex);
        }
        Path base = root.resolve("images/cloudimg/blobs").resolve(hex + ".qcow2");
        Process compare = new ProcessBuilder(
                        "qemu-img",
                        "compare",
                        "-U",
                        "-q",
                        "-f",
                        "raw",
                        "-F",
                        "qcow2",
                        source.toString(),
                        base.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(compare.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (compare.waitFor() != 0) {
            throw new AssertionError("the base of " + url + " differs from the served disk: " + out);
        }
    }

    private static JsonNode entry(Path root, String url) throws IOException {
        Path index = root.resolve("images/cloudimg/index.json");
        if (!Files.exists(index)) {
            return null;
        }
        JsonNode entry = JSON.readTree(index.toFile()).path("images").path(url);
        return entry.isMissingNode() ? null : entry;
    }
}
