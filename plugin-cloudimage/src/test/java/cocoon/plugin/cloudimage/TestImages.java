package cocoon.plugin.cloudimage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Small disk images made with the real qemu-img, the way distributions ship them. */
final class TestImages {

    static final int SIZE = 1 << 20;

    private final Path dir;
    private int counter;

    TestImages(Path dir) {
        this.dir = dir;
    }

    /** A 1 MiB raw disk: random first 64 KiB (differing per {@code seed}) and an MBR boot signature. */
    static byte[] raw(int seed) {
        byte[] bytes = new byte[SIZE];
        byte[] noise = new byte[64 * 1024];
        new Random(seed).nextBytes(noise);
        System.arraycopy(noise, 0, bytes, 0, noise.length);
        bytes[510] = 0x55;
        bytes[511] = (byte) 0xaa;
        return bytes;
    }

    /** {@code raw} converted by qemu-img into {@code format}. */
    byte[] convert(byte[] raw, String format) throws IOException {
        Path source = Files.write(next("raw"), raw);
        Path target = next(format);
        Tools.run("qemu-img", "convert", "-f", "raw", "-O", format, source.toString(), target.toString());
        return Files.readAllBytes(target);
    }

    /** A qcow2 overlay whose backing file is a file on this host. */
    byte[] qcow2BackedBy(Path hostFile) throws IOException {
        Path file = next("qcow2");
        Tools.run(
                "qemu-img",
                "create",
                "-f",
                "qcow2",
                "-F",
                "raw",
                "-b",
                hostFile.toString(),
                file.toString(),
                Integer.toString(SIZE));
        return Files.readAllBytes(file);
    }

    /** A qcow2 whose data lives in an external data file on this host. */
    byte[] qcow2WithDataFile(Path hostFile) throws IOException {
        Path file = next("qcow2");
        Tools.run(
                "qemu-img",
                "create",
                "-f",
                "qcow2",
                "-o",
                "data_file=" + hostFile,
                file.toString(),
                Integer.toString(SIZE));
        return Files.readAllBytes(file);
    }

    private Path next(String extension) {
        return dir.resolve("image-" + counter++ + "." + extension);
    }
}
