package cocoon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.plugin.oci.testing.HttpsTokenRealm;
import cocoon.plugin.oci.testing.RegistryFixture;
import cocoon.plugin.oci.testing.TestCertificates;
import cocoon.plugin.oci.testing.TestLayer;
import cocoon.plugin.oci.testing.TokenIssuer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pulls through {@code bin/cocoon} from registries that speak only TLS, with certificates from a test CA
 * (made with the openssl CLI), as hosted registries do. A registry on loopback may fall back to unverified
 * TLS, so only one on another address shows what {@code --ca-file} and {@code --insecure} do: the
 * registries, the token realm and every pull run inside a network namespace the test makes, on a
 * documentation address on its {@code lo} (DESIGN §6). Pushes go to a plain registry on the host's
 * loopback that shares their storage.
 */
class RegistryTlsTest {

    private static final String NS = "cocoon-e2e-tls-" + ProcessHandle.current().pid();
    private static final String ADDRESS = "192.0.2.10";
    /** Also on the namespace's {@code lo}, but not in the certificate. */
    private static final String OTHER_ADDRESS = "192.0.2.11";

    private static final Duration LIMIT = Duration.ofSeconds(90);
    /** jib retries a failed connection for ~40 s; the preflight fails at once, JVM start included. */
    private static final Duration AT_ONCE = Duration.ofSeconds(10);

    @TempDir
    static Path dir;

    private static RegistryFixture registry;
    private static NetworkNamespace namespace;
    private static TestCertificates certificates;
    private static RegistryFixture tls;
    private static RegistryFixture tlsOnOtherAddress;
    private static HttpsTokenRealm realm;
    private static RegistryFixture guarded;

    @TempDir
    Path state;

    @BeforeAll
    static void start() throws Exception {
        Path work = Files.createDirectories(dir.resolve("registry"));
        registry = RegistryFixture.start(work);
        registry.pushImage(
                "test/tls",
                "v1",
                RegistryFixture.OCI_MANIFEST,
                List.of(new TestLayer()
                        .dir("etc", 0755)
                        .file("etc/motd", "over TLS\n", 0644, 0, 0)
                        .gzip()));
        registry.pushImage(
                "private/app",
                "v1",
                RegistryFixture.OCI_MANIFEST,
                List.of(new TestLayer()
                        .dir("etc", 0755)
                        .file("etc/motd", "private over TLS\n", 0644, 0, 0)
                        .gzip()));
        namespace = NetworkNamespace.create(NS);
        namespace.withAddress(ADDRESS).withAddress(OTHER_ADDRESS);
        List<String> inside = namespace.launcher();
        certificates = TestCertificates.forAddress(work, ADDRESS);
        tls = registry.tlsFront(work, inside, ADDRESS, certificates.certificate(), certificates.key());
        tlsOnOtherAddress =
                registry.tlsFront(work, inside, OTHER_ADDRESS, certificates.certificate(), certificates.key());
        realm = HttpsTokenRealm.start(work, inside, ADDRESS, certificates, Map.of("alice", "secret"));
        guarded = registry.tlsTokenFront(
                work,
                inside,
                ADDRESS,
                certificates.certificate(),
                certificates.key(),
                realm.realm(),
                TokenIssuer.SERVICE,
                TokenIssuer.ISSUER,
                realm.certificate());
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable server : new AutoCloseable[] {guarded, realm, tlsOnOtherAddress, tls, namespace, registry}) {
            if (server != null) {
                server.close();
            }
        }
    }

    /** A cocoon with a fresh store, run inside the namespace, that finds no credentials but those in {@code dockerConfig}. */
    private CocoonCli cocoon(Path dockerConfig) {
        return new CocoonCli(state)
                .env("DOCKER_CONFIG", dockerConfig.toString())
                .inNetworkNamespace(NS);
    }

    private CocoonCli cocoon() throws Exception {
        return cocoon(Files.createDirectories(state.resolve("no-credentials")));
    }

    @Test
    void aCertificateOfAnUnknownCaIsRefusedInOneLineThatNamesCaFile() throws Exception {
        CocoonCli.Run run = cocoon().run(LIMIT, null, "pull", "--quiet", tls.host() + "/test/tls:v1");

        assertEquals(1, run.exit(), run.err());
        assertEquals(
                "cocoon: registry " + tls.host() + " has no TLS certificate this host trusts: its certificate is "
                        + "signed by a CA this host does not trust: pass its CA certificate with --ca-file, "
                        + "or --insecure if you trust the network\n",
                run.err());
    }

    @Test
    void insecurePullsFromARegistryWhoseCaIsUnknown() throws Exception {
        CocoonCli cocoon = cocoon();
        String reference = tls.host() + "/test/tls:v1";

        cocoon.run(LIMIT, null, "pull", "--quiet", "--insecure", reference).ok();

        assertEquals(1, baseDisks(cocoon, reference));
    }

    @Test
    void theCaFileMakesTheRegistryTrusted() throws Exception {
        CocoonCli cocoon = cocoon();
        String reference = tls.host() + "/test/tls:v1";

        cocoon.run(
                        LIMIT,
                        null,
                        "pull",
                        "--quiet",
                        "--ca-file",
                        certificates.caPem().toString(),
                        reference)
                .ok();

        assertEquals(1, baseDisks(cocoon, reference));
    }

    @Test
    void aCaFileThatHoldsNoCertificateIsRefusedNamingIt() throws Exception {
        Path notACertificate = dir.resolve("registry/server.csr");

        CocoonCli.Run run = cocoon().run(
                        LIMIT,
                        null,
                        "pull",
                        "--quiet",
                        "--ca-file",
                        notACertificate.toString(),
                        tls.host() + "/test/tls:v1");

        assertEquals(1, run.exit(), run.err());
        assertEquals(
                "cocoon: CA file " + notACertificate + " is not a PEM certificate: pass the CA's certificate"
                        + " (-----BEGIN CERTIFICATE-----), not its key or a signing request\n",
                run.err());
    }

    @Test
    void aCertificateForAnotherAddressIsRefusedEvenFromATrustedCa() throws Exception {
        CocoonCli.Run run = cocoon().run(
                        LIMIT,
                        null,
                        "pull",
                        "--quiet",
                        "--ca-file",
                        certificates.caPem().toString(),
                        tlsOnOtherAddress.host() + "/test/tls:v1");

        assertEquals(1, run.exit(), run.err());
        assertEquals(
                "cocoon: registry " + tlsOnOtherAddress.host() + " has no TLS certificate this host trusts: its "
                        + "certificate is for another host name: pass its CA certificate with --ca-file, "
                        + "or --insecure if you trust the network\n",
                run.err());
    }

    @Test
    void aRegistryNobodyServesFailsAtOnceInsteadOfAfterRetries() throws Exception {
        // Nothing listens in the namespace but the fixtures, on ephemeral ports.
        String closed = ADDRESS + ":9";
        long start = System.nanoTime();

        CocoonCli.Run run = cocoon().run(LIMIT, null, "pull", "--quiet", closed + "/test/tls:v1");

        assertEquals(1, run.exit(), run.err());
        assertTrue(run.err().startsWith("cocoon: cannot reach registry " + closed + ": "), run.err());
        assertEquals(1, run.err().lines().count(), run.err());
        assertTrue(System.nanoTime() - start < AT_ONCE.toNanos(), "jib's retries took over");
    }

    @Test
    void aPrivateImageBehindAnHttpsRealmIsRefusedWithoutCredentialsAndPullsAndRePullsWithThem() throws Exception {
        String reference = guarded.host() + "/private/app:v1";
        String caFile = certificates.caPem().toString();
        long start = System.nanoTime();

        CocoonCli.Run refused = cocoon().run(LIMIT, null, "pull", "--quiet", "--ca-file", caFile, reference);

        assertEquals(1, refused.exit(), refused.err());
        assertTrue(
                refused.err().startsWith("cocoon: registry " + guarded.host() + " requires authentication"),
                refused.err());
        assertEquals(1, refused.err().lines().count(), refused.err());
        assertTrue(System.nanoTime() - start < AT_ONCE.toNanos(), "refused at once, not after retries");

        Path dockerConfig = Files.createDirectories(state.resolve("docker-config"));
        String auth = Base64.getEncoder().encodeToString("alice:secret".getBytes(StandardCharsets.UTF_8));
        Files.writeString(
                dockerConfig.resolve("config.json"),
                "{\"auths\":{\"https://" + guarded.host() + "\":{\"auth\":\"" + auth + "\"}}}");
        CocoonCli alice = cocoon(dockerConfig);
        alice.run(LIMIT, null, "pull", "--quiet", "--ca-file", caFile, reference)
                .ok();
        assertEquals(1, baseDisks(alice, reference));

        CocoonCli.Run again =
                alice.run(LIMIT, null, "pull", "--ca-file", caFile, reference).ok();
        assertTrue(
                again.err().contains(": up to date: "),
                "the probe gets its token from the HTTPS realm with the credentials: " + again.err());
    }

    /** How many base disks {@code cocoon list} shows for {@code reference}. */
    private static int baseDisks(CocoonCli cocoon, String reference) throws Exception {
        for (JsonNode image : new ObjectMapper()
                .readTree(cocoon.run("list", "--format", "json").ok().out())) {
            if (image.path("reference").asText().equals(reference)) {
                return image.path("baseDisks").size();
            }
        }
        throw new AssertionError("list does not show " + reference);
    }
}
