package cocoon.plugin.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import cocoon.plugin.oci.testing.BlobHost;
import cocoon.plugin.oci.testing.RecordingProxy;
import cocoon.plugin.oci.testing.RegistryFixture;
import cocoon.plugin.oci.testing.RegistryFixture.Layer;
import cocoon.plugin.oci.testing.TestLayer;
import cocoon.plugin.oci.testing.TokenIssuer;
import cocoon.runtime.plugin.Contexts;
import cocoon.runtime.store.LockScope;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pulls from a registry with token authentication, as Docker Hub, ghcr and most hosted registries serve
 * images: Debian's {@code docker-registry} verifying tokens from a {@link TokenIssuer}, behind a proxy
 * that redirects every blob download to a {@link BlobHost} that refuses Authorization headers. Images are
 * pushed through a second registry without authentication over the same storage.
 */
@Timeout(120)
class OciAuthPullTest {

    private static Path work;
    private static RegistryFixture open;
    private static TokenIssuer issuer;
    private static RegistryFixture guarded;
    private static BlobHost blobHost;
    private static RecordingProxy proxy;
    private static Layer publicLayer;
    private static Layer privateLayer;

    @TempDir
    Path root;

    @TempDir
    Path home;

    @TempDir
    Path dockerConfig;

    @BeforeAll
    static void start() throws Exception {
        work = Files.createTempDirectory("cocoon-auth-registry-");
        open = RegistryFixture.start(work);
        issuer = TokenIssuer.start(work, Map.of("alice", "secret"), Map.of("alice-identity-token", "alice"));
        guarded = open.tokenFront(work, issuer.realm(), TokenIssuer.SERVICE, TokenIssuer.ISSUER, issuer.certificate());
        blobHost = BlobHost.start(open.host());
        proxy = RecordingProxy.start(guarded.host());
        proxy.redirectBlobsTo(blobHost);
        publicLayer = new TestLayer()
                .dir("etc", 0755)
                .file("etc/motd", "public\n", 0644, 0, 0)
                .gzip();
        privateLayer = new TestLayer()
                .dir("etc", 0755)
                .file("etc/motd", "private\n", 0644, 0, 0)
                .gzip();
        open.pushImage("public/app", "v1", RegistryFixture.OCI_MANIFEST, List.of(publicLayer));
        open.pushImage("private/app", "v1", RegistryFixture.OCI_MANIFEST, List.of(privateLayer));
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        blobHost.close();
        guarded.close();
        issuer.close();
        open.close();
        LayerUnpacker.deleteTree(work);
    }

    @BeforeEach
    void reset() {
        proxy.clear();
        blobHost.clear();
    }

    /** A source that sees {@code environment} and the test's home folder, as cocoon run by that user would. */
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

    private static String ref(String repositoryAndTag) {
        return proxy.host() + "/" + repositoryAndTag;
    }

    /** {@code DOCKER_CONFIG} pointing at a folder whose config.json is {@code config}. */
    private Map<String, String> dockerConfig(Map<String, Object> config) throws Exception {
        Files.write(dockerConfig.resolve("config.json"), new ObjectMapper().writeValueAsBytes(config));
        return Map.of("DOCKER_CONFIG", dockerConfig.toString());
    }

    private static Map<String, Object> auths(Map<String, Object> entry) {
        return Map.of("auths", Map.of(proxy.host(), entry));
    }

    private static String basic(String userAndPassword) {
        return Base64.getEncoder().encodeToString(userAndPassword.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aPublicImagePullsWithAnAnonymousBearerToken() {
        Image image = source(Map.of()).pull(ref("public/app:v1"), PullOptions.defaults(), event -> {});

        assertEquals(1, image.baseDisks().size());
        assertTrue(
                issuer.grants().contains("anonymous repository:public/app:pull -> pull"),
                issuer.grants().toString());
        assertTrue(
                blobHost.served().contains(publicLayer.digest()),
                blobHost.served().toString());
    }

    @Test
    void aPrivateImageWithoutCredentialsIsRefusedInOneLineAtOnce() {
        long start = System.nanoTime();

        CocoonException refused = assertThrows(
                CocoonException.class,
                () -> source(Map.of()).pull(ref("private/app:v1"), PullOptions.defaults(), event -> {}));

        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "refused at once, not after retries");
        assertEquals(
                "registry " + proxy.host()
                        + " requires authentication to pull private/app and no credentials for it were found",
                refused.getMessage());
        assertTrue(
                refused.hint()
                        .startsWith(
                                "run 'docker login " + proxy.host() + "' or put them in $DOCKER_CONFIG/config.json"),
                refused.hint());
        assertFalse((refused.getMessage() + refused.hint()).contains("\n"));
        assertEquals(List.of(), blobHost.served());
        assertEquals(List.of(), source(Map.of()).list());
    }

    @Test
    void wrongCredentialsAreRefusedInOneLineNamingWhereTheyCameFrom() throws Exception {
        Map<String, String> environment = dockerConfig(auths(Map.of("auth", basic("alice:wrong"))));

        CocoonException refused = assertThrows(
                CocoonException.class,
                () -> source(environment).pull(ref("private/app:v1"), PullOptions.defaults(), event -> {}));

        assertEquals(
                "registry " + proxy.host() + " rejected the credentials of alice from "
                        + dockerConfig.resolve("config.json"),
                refused.getMessage());
        assertTrue(refused.hint().contains("docker login " + proxy.host()), refused.hint());
        assertFalse((refused.getMessage() + refused.hint()).contains("\n"));
    }

    @Test
    void aPrivateImagePullsWithDockerConfigCredentialsAndAWarmRePullFetchesNoLayer() throws Exception {
        Map<String, String> environment = dockerConfig(auths(Map.of("auth", basic("alice:secret"))));
        ImageSource source = source(environment);

        Image image = source.pull(ref("private/app:v1"), PullOptions.defaults(), event -> {});
        assertEquals(1, image.baseDisks().size());
        assertTrue(
                issuer.grants().contains("alice repository:private/app:pull -> pull"),
                issuer.grants().toString());

        proxy.clear();
        blobHost.clear();
        List<ProgressEvent> events = new ArrayList<>();
        Image again = source.pull(ref("private/app:v1"), PullOptions.defaults(), events::add);

        assertEquals(image, again);
        assertTrue(
                events.stream().anyMatch(event -> String.valueOf(event.detail()).startsWith("up to date")),
                events.toString());
        assertEquals(
                List.of("HEAD /v2/private/app/manifests/v1", "HEAD /v2/private/app/manifests/v1"),
                proxy.requests(),
                "one HEAD that the registry answers with its token realm, one with the token");
        assertEquals(List.of(), blobHost.served(), "no layer byte is fetched again");
    }

    @Test
    void anIdentityTokenFromDockerLoginIsExchangedForAPullTokenByThePullAndTheWarmProbe() throws Exception {
        Map<String, String> environment =
                dockerConfig(auths(Map.of("auth", basic("<token>:"), "identitytoken", "alice-identity-token")));
        ImageSource source = source(environment);

        Image image = source.pull(ref("private/app:v1"), PullOptions.defaults(), event -> {});
        assertEquals(1, image.baseDisks().size());
        assertTrue(
                issuer.grants().contains("alice repository:private/app:pull -> pull"),
                issuer.grants().toString());

        List<ProgressEvent> events = new ArrayList<>();
        source.pull(ref("private/app:v1"), PullOptions.defaults(), events::add);
        assertTrue(
                events.stream().anyMatch(event -> String.valueOf(event.detail()).startsWith("up to date")),
                events.toString());
    }

    @Test
    void aCredentialHelperOnThePathIsAskedForTheRegistry() throws Exception {
        Path helpers = Files.createDirectories(home.resolve("bin"));
        Path asked = home.resolve("asked");
        Path helper = helpers.resolve("docker-credential-test");
        Files.writeString(helper, """
                #!/bin/sh
                server=$(cat)
                printf '%%s %%s' "$1" "$server" > %s
                printf '{"ServerURL":"%%s","Username":"alice","Secret":"secret"}' "$server"
                """.formatted(asked));
        Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwx------"));
        Map<String, String> environment =
                new java.util.HashMap<>(dockerConfig(Map.of("credHelpers", Map.of(proxy.host(), "test"))));
        environment.put("PATH", helpers.toString());

        Image image = source(environment).pull(ref("private/app:v1"), PullOptions.defaults(), event -> {});

        assertEquals(1, image.baseDisks().size());
        assertEquals("get " + proxy.host(), Files.readString(asked), "docker's protocol: get, the registry on stdin");
    }

    @Test
    void blobsRedirectedToAnObjectStoreGetThereWithoutTheRegistrysAuthorization() throws Exception {
        HttpResponse<String> withAuthorization = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(blobHost.location("private/app", privateLayer.digest())))
                                .header("Authorization", "Bearer any")
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(400, withAuthorization.statusCode(), "the object store refuses a second authentication");
        blobHost.clear();
        Map<String, String> environment = dockerConfig(auths(Map.of("auth", basic("alice:secret"))));

        source(environment).pull(ref("private/app:v1"), PullOptions.defaults(), event -> {});

        // The image config is a blob too, fetched and redirected the same way.
        assertTrue(proxy.blobFetches().contains(privateLayer.digest()), "the registry was asked for the blob");
        assertTrue(blobHost.served().contains(privateLayer.digest()), "and the object store sent it");
        assertEquals(List.of(), blobHost.refused());
    }
}
