package cocoon.e2e.reliability;

import cocoon.plugin.oci.testing.RegistryFixture;
import cocoon.plugin.oci.testing.TestLayer;
import java.io.IOException;
import java.util.List;
import java.util.Random;

/** Small OCI VM images for the suite: a boot layer (dummy kernel and initrd) and a payload layer. */
final class Images {

    private Images() {}

    /** Bytes that do not compress, so the download and the EROFS conversion take a moment. */
    static byte[] noise(long seed, int size) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /**
     * Pushes {@code repository:tag} with a boot layer the Cloud Hypervisor double accepts as payload and a
     * {@code payloadBytes} layer of noise unique to {@code seed}; returns the reference to pull.
     */
    static String push(RegistryFixture registry, String repository, String tag, long seed, int payloadBytes)
            throws IOException, InterruptedException {
        var boot = new TestLayer()
                .dir("boot", 0755)
                .file("boot/vmlinuz-6.1.0-test", "not a real kernel\n", 0644, 0, 0)
                .file("boot/initrd.img-6.1.0-test", "not a real initrd\n", 0644, 0, 0)
                .dir("sbin", 0755)
                .file("sbin/init", "#!/bin/sh\n", 0755, 0, 0)
                .gzip();
        var payload = new TestLayer()
                .dir("data", 0755)
                .file("data/noise-" + seed + ".bin", noise(seed, payloadBytes), 0644, 0, 0)
                .gzip();
        registry.pushImage(repository, tag, RegistryFixture.OCI_MANIFEST, List.of(boot, payload));
        return registry.host() + "/" + repository + ":" + tag;
    }
}
