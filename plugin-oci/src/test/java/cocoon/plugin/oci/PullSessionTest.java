package cocoon.plugin.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.CocoonException;
import cocoon.api.NotFoundException;
import cocoon.plugin.oci.layer.LayerUnpacker;
import cocoon.plugin.oci.registry.LayerDescriptor;
import cocoon.plugin.oci.registry.OciReference;
import cocoon.plugin.oci.registry.PullSession;
import cocoon.plugin.oci.registry.RegistryCredential;
import cocoon.plugin.oci.registry.ResolvedManifest;
import cocoon.plugin.oci.testing.RecordingProxy;
import cocoon.plugin.oci.testing.RegistryFixture;
import cocoon.plugin.oci.testing.TestLayer;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The pull client's corners a real docker-registry cannot show here: basic auth (its htpasswd wants bcrypt
 * hashes, which nothing on these machines makes) and a blob redirect loop, through the recording proxy in
 * front of the real registry; and a blob the registry does not have, from the registry itself.
 */
class PullSessionTest {

    private static final RegistryCredential ALICE =
            new RegistryCredential("alice", "secret", "/home/alice/config.json");

    private static Path work;
    private static RegistryFixture registry;
    private static RecordingProxy proxy;
    private static RegistryFixture.Layer layer;

    @BeforeAll
    static void start() throws Exception {
        work = Files.createTempDirectory("cocoon-pull-session-");
        registry = RegistryFixture.start(work);
        proxy = RecordingProxy.start(registry.host());
        layer = new TestLayer()
                .dir("etc", 0755)
                .file("etc/motd", "basic\n", 0644, 0, 0)
                .gzip();
        registry.pushImage("test/app", "v1", RegistryFixture.OCI_MANIFEST, List.of(layer));
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        registry.close();
        LayerUnpacker.deleteTree(work);
    }

    @AfterEach
    void reset() {
        proxy.requireBasic(null, null);
        proxy.redirectBlobsInALoop(false);
    }

    private static OciReference ref(String host, String repositoryAndTag) {
        return OciReference.parse(host + "/" + repositoryAndTag);
    }

    @Test
    void aBasicAuthRegistryIsPulledWithTheCredentialsSentOnEveryRequest() {
        proxy.requireBasic("alice", "secret");

        PullSession session = PullSession.open(ref(proxy.host(), "test/app:v1"), false, () -> Optional.of(ALICE));
        ResolvedManifest manifest = session.resolve();
        ByteArrayOutputStream blob = new ByteArrayOutputStream();
        session.download(manifest.layers().get(0), blob, count -> {});

        assertEquals(
                List.of(layer.digest()),
                manifest.layers().stream().map(LayerDescriptor::digest).toList());
        assertArrayEquals(layer.blob(), blob.toByteArray());
    }

    @Test
    void aBasicAuthRegistryWithoutCredentialsSaysToLogIn() {
        proxy.requireBasic("alice", "secret");

        CocoonException refused = assertThrows(
                CocoonException.class,
                () -> PullSession.open(ref(proxy.host(), "test/app:v1"), false, Optional::empty)
                        .resolve());

        assertEquals(
                "registry " + proxy.host() + " requires authentication to pull test/app and no credentials for it were"
                        + " found",
                refused.getMessage());
        assertTrue(refused.hint().startsWith("run 'docker login " + proxy.host() + "'"), refused.hint());
    }

    @Test
    void wrongBasicCredentialsAreRefusedNamingWhereTheyCameFrom() {
        proxy.requireBasic("alice", "other");

        CocoonException refused = assertThrows(
                CocoonException.class,
                () -> PullSession.open(ref(proxy.host(), "test/app:v1"), false, () -> Optional.of(ALICE))
                        .resolve());

        assertEquals(
                "registry " + proxy.host() + " refused alice (from /home/alice/config.json) access to test/app",
                refused.getMessage());
        assertFalse((refused.getMessage() + refused.hint()).contains("\n"));
    }

    @Test
    void aBlobRedirectLoopFailsInOneLineAtOnce() {
        proxy.redirectBlobsInALoop(true);
        PullSession session = PullSession.open(ref(proxy.host(), "test/app:v1"), false, Optional::empty);
        long start = System.nanoTime();

        CocoonException failed = assertThrows(CocoonException.class, session::resolve);

        assertTrue(failed.getMessage().contains("more than 5 redirects"), failed.getMessage());
        assertTrue(failed.getMessage().startsWith("registry " + proxy.host() + " failed while downloading layer"));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10));
    }

    @Test
    void aBlobTheRegistryDoesNotHaveIsNotFound() {
        PullSession session = PullSession.open(ref(registry.host(), "test/app:v1"), false, Optional::empty);
        String missing = "sha256:" + "0".repeat(64);

        NotFoundException error = assertThrows(
                NotFoundException.class,
                () -> session.download(new LayerDescriptor(missing, 10), new ByteArrayOutputStream(), count -> {}));

        assertEquals(
                registry.host() + "/test/app:v1 was not found on " + registry.host() + " while downloading layer "
                        + missing,
                error.getMessage());
    }
}
