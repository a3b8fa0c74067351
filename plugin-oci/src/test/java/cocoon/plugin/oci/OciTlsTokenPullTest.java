package cocoon.plugin.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import cocoon.api.CocoonException;
import cocoon.api.Image;
import cocoon.api.ImageSource;
import cocoon.api.PluginContext;
import cocoon.api.ProgressEvent;
import cocoon.api.PullOptions;
import cocoon.api.SettingValues;
import cocoon.plugin.oci.image.OciImageSource;
import cocoon.plugin.oci.image.OciSettings;
import cocoon.plugin.oci.layer.LayerUnpacker;
import cocoon.plugin.oci.registry.DockerCredentials;
import cocoon.plugin.oci.testing.RegistryFixture;
import cocoon.plugin.oci.testing.TestCertificates;
import cocoon.plugin.oci.testing.TestLayer;
import cocoon.plugin.oci.testing.TokenIssuer;
import cocoon.runtime.plugin.Contexts;
import cocoon.runtime.store.LockScope;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A registry as hosted ones are: TLS only, on an address that is not loopback (so the TLS preflight and
 * verified HTTPS are in the way), with its token realm over HTTPS too. Certificates come from a test CA
 * that a pull trusts through {@code --ca-file}.
 */
@Timeout(120)
class OciTlsTokenPullTest {

    private static Path work;
    private static RegistryFixture open;
    private static TokenIssuer issuer;
    private static RegistryFixture guarded;
    private static Path caPem;

    @TempDir
    Path root;

    @TempDir
    Path home;

    @BeforeAll
    static void start() throws Exception {
        Optional<String> address = TestCertificates.nonLoopbackAddress();
        assumeTrue(address.isPresent(), "this host has no non-loopback IPv4 address to serve TLS on");
        work = Files.createTempDirectory("cocoon-tls-token-registry-");
        open = RegistryFixture.start(work);
        open.pushImage(
                "private/app",
                "v1",
                RegistryFixture.OCI_MANIFEST,
                List.of(new TestLayer()
                        .dir("etc", 0755)
                        .file("etc/motd", "private over TLS\n", 0644, 0, 0)
                        .gzip()));
        TestCertificates certificates = TestCertificates.forAddress(work, address.get());
        caPem = certificates.caPem();
        issuer = TokenIssuer.startTls(work, address.get(), certificates, Map.of("alice", "secret"), Map.of());
        guarded = open.tlsTokenFront(
                work,
                address.get(),
                certificates.certificate(),
                certificates.key(),
                issuer.realm(),
                TokenIssuer.SERVICE,
                TokenIssuer.ISSUER,
                issuer.certificate());
    }

    @AfterAll
    static void stop() throws Exception {
        if (guarded != null) {
            guarded.close();
        }
        if (issuer != null) {
            issuer.close();
        }
        if (open != null) {
            open.close();
            LayerUnpacker.deleteTree(work);
        }
    }

    private ImageSource source(Map<String, String> environment) {
        PluginContext context = Contexts.of(
                LockScope.imageSource("oci"),
                root,
                root.resolve("run"),
                root.resolve("log"),
                SettingValues.defaults(new OciImageSourceProvider().settings()));
        return new OciImageSource(
                context,
                OciSettings.from(context.settings()),
                new DockerCredentials(environment, home, context.processes()));
    }

    @Test
    void aPrivateImageBehindAnHttpsRealmIsRefusedWithoutCredentialsAndPullsAndRePullsWithThem() throws Exception {
        String reference = guarded.host() + "/private/app:v1";
        PullOptions trustingTheCa = new PullOptions(false, false, null, null, caPem);
        long start = System.nanoTime();

        CocoonException refused =
                assertThrows(CocoonException.class, () -> source(Map.of()).pull(reference, trustingTheCa, event -> {}));
        assertTrue(
                refused.getMessage().startsWith("registry " + guarded.host() + " requires authentication"),
                refused.getMessage());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "refused at once, not after retries");

        Path dockerConfig = Files.createDirectories(home.resolve("docker-config"));
        String auth = Base64.getEncoder().encodeToString("alice:secret".getBytes(StandardCharsets.UTF_8));
        Files.writeString(
                dockerConfig.resolve("config.json"),
                "{\"auths\":{\"https://" + guarded.host() + "\":{\"auth\":\"" + auth + "\"}}}");
        ImageSource source = source(Map.of("DOCKER_CONFIG", dockerConfig.toString()));
        Image image = source.pull(reference, trustingTheCa, event -> {});
        assertEquals(1, image.baseDisks().size());

        List<ProgressEvent> events = new ArrayList<>();
        assertEquals(image, source.pull(reference, trustingTheCa, events::add));
        assertTrue(
                events.stream().anyMatch(event -> String.valueOf(event.detail()).startsWith("up to date")),
                "the probe gets its token from the HTTPS realm with the credentials: " + events);
    }
}
