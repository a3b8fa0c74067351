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
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * An image one of guest/'s Debian builders makes from Debian's packages with debootstrap. A first build takes
 * minutes, so the image is kept in {@code ${XDG_CACHE_HOME:-~/.cache}/cocoon-test/}, named by the hash of the
 * script and of the folders it reads: a changed builder makes a new image, an unchanged one is reused by every
 * later run.
 *
 * @param name    the cache entry's name, before the hash
 * @param suffix  after the hash: {@code .qcow2} for a disk, empty for an OCI image layout (a folder)
 * @param script  the builder, run as {@code bash SCRIPT OUT}
 * @param inputs  the folders under guest/ whose files the builder reads besides itself
 */
record BuiltGuestImage(String name, String suffix, Path script, List<Path> inputs) {

    /** guest/build-debian-cloud.sh: Debian's cloud-init and OpenSSH, GRUB on a GPT disk. */
    static final BuiltGuestImage DEBIAN_CLOUD =
            new BuiltGuestImage("debian-cloud", ".qcow2", guest("build-debian-cloud.sh"), List.of(guest("lib")));

    /** guest/build-debian-oci.sh: systemd and Cocoon's initramfs-tools hook, as an OCI image layout. */
    static final BuiltGuestImage DEBIAN_VM = new BuiltGuestImage(
            "debian-vm", "", guest("build-debian-oci.sh"), List.of(guest("lib"), guest("initramfs-tools")));

    /**
     * guest/build-debian-container.sh: a container image (no kernel, no init) with bash and python3, Cmd /bin/bash,
     * as an OCI image layout; it boots with a kernel image.
     */
    static final BuiltGuestImage DEBIAN_CONTAINER =
            new BuiltGuestImage("debian-container", "", guest("build-debian-container.sh"), List.of(guest("lib")));

    /** Measured at 1.3-3.5 minutes, downloads included (~90 MB from the Debian mirror). */
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(30);

    private static Path guest(String path) {
        return CocoonCli.REPO.resolve("guest").resolve(path);
    }

    /**
     * The image of the current builder, built first when no run has built it yet. The build holds a lock file, so
     * a second test JVM waits for the first one's image instead of building its own, and the image appears under
     * its final name only when complete (written beside it, then renamed).
     */
    Path get() throws IOException, InterruptedException {
        synchronized (BuiltGuestImage.class) {
            Path cache = Files.createDirectories(cacheDir());
            Path image = cache.resolve(name + "-" + builderHash() + suffix);
            try (FileChannel channel = FileChannel.open(
                    cache.resolve(name + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                // Held until the channel closes.
                channel.lock();
                if (!Files.exists(image)) {
                    build(image);
                }
            }
            return image;
        }
    }

    private void build(Path image) throws IOException, InterruptedException {
        // Under the lock nobody else writes here: what a killed build left behind is garbage.
        Path partial = image.resolveSibling(image.getFileName() + ".partial");
        deleteTree(partial);
        long started = System.nanoTime();
        GuestFixture.exec(BUILD_TIMEOUT, "bash", script.toString(), partial.toString());
        Files.move(partial, image, StandardCopyOption.ATOMIC_MOVE);
        GuestFixture.report("build " + image.getFileName(), started);
    }

    private static void deleteTree(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> tree = Files.walk(path)) {
            for (Path each : tree.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(each);
            }
        }
    }

    private static Path cacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("cocoon-test");
    }

    /** The first 16 hex digits of a hash over the script and every file under the input folders, by path and content. */
    private String builderHash() throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
        Stream<Path> files = Stream.of(script);
        for (Path folder : inputs) {
            try (Stream<Path> walk = Files.walk(folder)) {
                files = Stream.concat(files, walk.filter(Files::isRegularFile).sorted().toList().stream());
            }
        }
        for (Path input : files.toList()) {
            digest.update(CocoonCli.REPO.relativize(input).toString().getBytes(StandardCharsets.UTF_8));
            try (InputStream in = Files.newInputStream(input)) {
                digest.update(in.readAllBytes());
            }
        }
        return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
    }
}
