package cocoon.e2e.reliability;

import cocoon.e2e.CocoonCli;
import cocoon.plugin.oci.testing.RegistryFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The demo OCI guest (guest/build-oci-demo.sh, cached after its first build) pushed to a registry and pulled. */
final class DemoGuest {

    private DemoGuest() {}

    /** Builds or reuses the demo image, pushes it to {@code registry} and pulls it; returns its reference. */
    static String pushAndPull(Path dir, RegistryFixture registry, Cocoon cocoon)
            throws IOException, InterruptedException {
        Path layout = dir.resolve("oci-demo");
        String image = registry.host() + "/cocoon/demo:latest";
        exec(dir, "bash", CocoonCli.REPO.resolve("guest/build-oci-demo.sh").toString(), layout.toString());
        exec(dir, "bash", CocoonCli.REPO.resolve("guest/push-oci.sh").toString(), layout.toString(), image);
        cocoon.run("pull", "--quiet", image).ok();
        return image;
    }

    private static void exec(Path dir, String... command) throws IOException, InterruptedException {
        Path log = Files.createTempFile(dir, "demo", ".log");
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish within 5 minutes");
        }
        if (process.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed:\n" + Files.readString(log));
        }
        Files.delete(log);
    }
}
