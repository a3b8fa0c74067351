package cocoon.plugin.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import cocoon.api.CocoonException;
import cocoon.api.ImageSource;
import cocoon.api.InvalidInputException;
import cocoon.api.PullOptions;
import cocoon.api.SettingValues;
import cocoon.plugin.oci.layer.LayerUnpacker;
import cocoon.plugin.oci.testing.RegistryFixture;
import cocoon.plugin.oci.testing.TestCertificates;
import cocoon.plugin.oci.testing.TestLayer;
import cocoon.runtime.plugin.Contexts;
import cocoon.runtime.store.LockScope;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pulls from a registry that speaks only TLS, with a certificate from a test CA (made with the openssl
 * CLI). The registry listens on a non-loopback address of this host: loopback registries may fall back
 * to unverified TLS, so only a remote-looking one shows what {@code --ca-file} and {@code --insecure} do.
 */
@Timeout(120)
class OciTlsPullTest {

    private static Path work;
    private static RegistryFixture registry;
    private static RegistryFixture tls;
    private static Path caPem;

    @TempDir
    Path root;

    @BeforeAll
    static void start() throws Exception {
        Optional<String> address = TestCertificates.nonLoopbackAddress();
        assumeTrue(address.isPresent(), "this host has no non-loopback IPv4 address to serve TLS on");
        work = Files.createTempDirectory("cocoon-tls-registry-");
        registry = RegistryFixture.start(work);
        registry.pushImage(
                "test/tls",
                "v1",
                RegistryFixture.OCI_MANIFEST,
                List.of(new TestLayer()
                        .dir("etc", 0755)
                        .file("etc/motd", "over TLS\n", 0644, 0, 0)
                        .gzip()));
        TestCertificates certificates = TestCertificates.forAddress(work, address.get());
        caPem = certificates.caPem();
        tls = registry.tlsFront(work, address.get(), certificates.certificate(), certificates.key());
    }

    @AfterAll
    static void stop() throws Exception {
        if (tls != null) {
            tls.close();
        }
        if (registry != null) {
            registry.close();
            LayerUnpacker.deleteTree(work);
        }
    }

    private ImageSource source() {
        OciImageSourceProvider provider = new OciImageSourceProvider();
        return provider.open(Contexts.of(
                LockScope.imageSource("oci"),
                root,
                root.resolve("run"),
                root.resolve("log"),
                SettingValues.defaults(provider.settings())));
    }

    /** One method, in this order: the CA becomes the process's default trust once a pull names it. */
    @Test
    void anUnknownCaIsRefusedUntilTheCaFileOrInsecureSaysOtherwise() {
        String reference = tls.host() + "/test/tls:v1";

        CocoonException refused = assertThrows(
                CocoonException.class, () -> source().pull(reference, PullOptions.defaults(), event -> {}));
        assertTrue(refused.hint().contains("--ca-file"), refused.hint());
        assertTrue(refused.getMessage().endsWith("signed by a CA this host does not trust"), refused.getMessage());

        assertEquals(
                1,
                source().pull(reference, new PullOptions(true, false, null, null, null), event -> {})
                        .baseDisks()
                        .size());

        InvalidInputException notACertificate = assertThrows(
                InvalidInputException.class,
                () -> source().pull(
                                reference,
                                new PullOptions(false, false, null, null, work.resolve("server.csr")),
                                event -> {}));
        assertTrue(notACertificate.getMessage().contains("server.csr"), notACertificate.getMessage());

        assertEquals(
                1,
                source().pull(reference, new PullOptions(false, true, null, null, caPem), event -> {})
                        .baseDisks()
                        .size());
    }

    @Test
    void aRegistryNobodyServesFailsAtOnceInsteadOfAfterRetries() throws Exception {
        String address = tls.host().substring(0, tls.host().lastIndexOf(':'));
        int closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, InetAddress.getByName(address))) {
            closed = socket.getLocalPort();
        }
        long start = System.nanoTime();

        CocoonException e = assertThrows(
                CocoonException.class,
                () -> source().pull(address + ":" + closed + "/test/tls:v1", PullOptions.defaults(), event -> {}));

        assertTrue(e.getMessage().startsWith("cannot reach registry " + address + ":" + closed), e.getMessage());
        assertTrue(
                System.nanoTime() - start < java.util.concurrent.TimeUnit.SECONDS.toNanos(10),
                "jib's retries took over");
    }
}
