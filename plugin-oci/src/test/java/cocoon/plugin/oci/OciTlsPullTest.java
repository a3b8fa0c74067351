package cocoon.plugin.oci;

import cocoon.api.CocoonException;
import cocoon.api.ImageSource;
import cocoon.api.InvalidInputException;
import cocoon.api.PullOptions;
import cocoon.plugin.oci.layer.LayerUnpacker;
import cocoon.plugin.oci.testing.RegistryFixture;
import cocoon.plugin.oci.testing.TestLayer;
import cocoon.runtime.plugin.Contexts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
        Optional<String> address = nonLoopbackAddress();
        assumeTrue(address.isPresent(), "this host has no non-loopback IPv4 address to serve TLS on");
        work = Files.createTempDirectory("cocoon-tls-registry-");
        registry = RegistryFixture.start(work);
        registry.pushImage("test/tls", "v1", RegistryFixture.OCI_MANIFEST,
                List.of(new TestLayer().dir("etc", 0755).file("etc/motd", "over TLS\n", 0644, 0, 0).gzip()));
        caPem = work.resolve("ca.pem");
        Path caKey = work.resolve("ca.key");
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", caKey.toString(),
                "-out", caPem.toString(), "-days", "2", "-subj", "/CN=Cocoon Test CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        Path key = work.resolve("server.key");
        Path csr = work.resolve("server.csr");
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.toString(),
                "-out", csr.toString(), "-subj", "/CN=" + address.get());
        Path extensions = Files.writeString(work.resolve("server.ext"),
                "subjectAltName=IP:" + address.get() + "\nextendedKeyUsage=serverAuth\n");
        Path certificate = work.resolve("server.pem");
        openssl("x509", "-req", "-in", csr.toString(), "-CA", caPem.toString(), "-CAkey", caKey.toString(), "-CAcreateserial",
                "-out", certificate.toString(), "-days", "2", "-extfile", extensions.toString());
        tls = registry.tlsFront(work, address.get(), certificate, key);
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
        return new OciImageSourceProvider().open(Contexts.of(root, root.resolve("run"), root.resolve("log"),
                new OciImageSourceProvider().defaultSettings()));
    }

    /** One method, in this order: the CA becomes the process's default trust once a pull names it. */
    @Test
    void anUnknownCaIsRefusedUntilTheCaFileOrInsecureSaysOtherwise() {
        String reference = tls.host() + "/test/tls:v1";

        CocoonException refused = assertThrows(CocoonException.class,
                () -> source().pull(reference, PullOptions.defaults(), event -> { }));
        assertTrue(refused.hint().contains("--ca-file"), refused.hint());

        assertEquals(1, source().pull(reference, new PullOptions(true, false, null, null, null), event -> { })
                .baseDisks().size());

        InvalidInputException notACertificate = assertThrows(InvalidInputException.class, () -> source().pull(reference,
                new PullOptions(false, false, null, null, work.resolve("server.csr")), event -> { }));
        assertTrue(notACertificate.getMessage().contains("server.csr"), notACertificate.getMessage());

        assertEquals(1, source().pull(reference, new PullOptions(false, true, null, null, caPem), event -> { })
                .baseDisks().size());
    }

    @Test
    void aRegistryNobodyServesFailsAtOnceInsteadOfAfterRetries() throws Exception {
        String address = tls.host().substring(0, tls.host().lastIndexOf(':'));
        int closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, InetAddress.getByName(address))) {
            closed = socket.getLocalPort();
        }
        long start = System.nanoTime();

        CocoonException e = assertThrows(CocoonException.class,
                () -> source().pull(address + ":" + closed + "/test/tls:v1", PullOptions.defaults(), event -> { }));

        assertTrue(e.getMessage().startsWith("cannot reach registry " + address + ":" + closed), e.getMessage());
        assertTrue(System.nanoTime() - start < java.util.concurrent.TimeUnit.SECONDS.toNanos(10), "jib's retries took over");
    }

    private static Optional<String> nonLoopbackAddress() throws Exception {
        for (NetworkInterface nic : NetworkInterface.networkInterfaces().toList()) {
            if (nic.isUp() && !nic.isLoopback()) {
                for (InetAddress address : nic.inetAddresses().toList()) {
                    if (address instanceof Inet4Address && !address.isLoopbackAddress() && !address.isLinkLocalAddress()) {
                        return Optional.of(address.getHostAddress());
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static void openssl(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) {
            throw new IllegalStateException("openssl failed: " + output);
        }
    }
}
