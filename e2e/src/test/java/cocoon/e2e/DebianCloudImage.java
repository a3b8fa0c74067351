package cocoon.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * The Debian cloud image that guest/build-debian-cloud.sh makes from Debian's packages (debootstrap, Debian's
 * cloud-init and openssh-server, GRUB on a GPT disk). A first build takes minutes, so the image is kept in
 * {@code ${XDG_CACHE_HOME:-~/.cache}/cocoon-test/}, named by the hash of the script and of guest/lib: a changed
 * builder makes a new image, an unchanged one is reused by every later run.
 */
final class DebianCloudImage {

    /** Measured at 1.3-2.6 minutes, downloads included (~90 MB from the Debian mirror). */
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(30);

    private static final Path SCRIPT = CocoonCli.REPO.resolve("guest/build-debian-cloud.sh");
    private static final Path LIBRARY = CocoonCli.REPO.resolve("guest/lib");

    private DebianCloudImage() {}

    /**
     * The qcow2 image of the current builder, built first when no run has built it yet. The build holds a lock
     * file, so a second test JVM waits for the first one's image instead of building its own, and the image
     * appears under its final name only when complete (written beside it, then renamed).
     */
    static synchronized Path get() throws IOException, InterruptedException {
        Path cache = Files.createDirectories(cacheDir());
        Path image = cache.resolve("debian-cloud-" + builderHash() + ".qcow2");
        try (FileChannel channel = FileChannel.open(
                cache.resolve("debian-cloud.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            // Held until the channel closes.
            channel.lock();
            if (!Files.exists(image)) {
                build(image);
            }
        }
        return image;
    }

    private static void build(Path image) throws IOException, InterruptedException {
        // Under the lock nobody else writes here: what a killed build left behind is garbage.
        Path partial = image.resolveSibling(image.getFileName() + ".partial");
        Files.deleteIfExists(partial);
        long started = System.nanoTime();
        GuestFixture.exec(BUILD_TIMEOUT, "bash", SCRIPT.toString(), partial.toString());
        Files.move(partial, image, StandardCopyOption.ATOMIC_MOVE);
        GuestFixture.report("build Debian cloud image (" + Files.size(image) / (1 << 20) + " MiB)", started);
    }

    private static Path cacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("cocoon-test");
    }

    /** The first 16 hex digits of a hash over the script and every file under guest/lib, by path and content. */
    private static String builderHash() throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
        List<Path> inputs;
        try (Stream<Path> library = Files.walk(LIBRARY)) {
            inputs = Stream.concat(
                            Stream.of(SCRIPT),
                            library.filter(Files::isRegularFile).sorted())
                    .toList();
        }
        for (Path input : inputs) {
            digest.update(CocoonCli.REPO.relativize(input).toString().getBytes(StandardCharsets.UTF_8));
            try (InputStream in = Files.newInputStream(input)) {
                digest.update(in.readAllBytes());
            }
        }
        return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
    }
}
