package cocoon.plugin.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.CocoonException;
import cocoon.plugin.oci.registry.DockerCredentials;
import cocoon.plugin.oci.registry.OciReference;
import cocoon.plugin.oci.registry.RegistryCredential;
import cocoon.runtime.host.HostProcesses;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which credentials a pull uses, read from docker's config file and helpers the way docker reads them. */
class DockerCredentialsTest {

    @TempDir
    Path home;

    @TempDir
    Path elsewhere;

    private Map<String, String> environment = new HashMap<>();

    private Optional<RegistryCredential> lookUp(String reference) {
        return new DockerCredentials(environment, home, new HostProcesses()).forRegistry(OciReference.parse(reference));
    }

    private void homeConfig(String json) throws Exception {
        Files.createDirectories(home.resolve(".docker"));
        Files.writeString(home.resolve(".docker/config.json"), json);
    }

    private static String auth(String userAndPassword) {
        return Base64.getEncoder().encodeToString(userAndPassword.getBytes(StandardCharsets.UTF_8));
    }

    private void helper(String name, String script) throws Exception {
        Path bin = Files.createDirectories(elsewhere.resolve("bin"));
        Path helper = bin.resolve("docker-credential-" + name);
        Files.writeString(helper, "#!/bin/sh\n" + script);
        Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwx------"));
        environment.put("PATH", bin.toString());
    }

    @Test
    void dockerConfigNamesTheFolderAndHomeIsReadOnlyWithoutIt() throws Exception {
        homeConfig("{\"auths\":{\"reg.example:5000\":{\"auth\":\"" + auth("home:pw") + "\"}}}");
        assertEquals("home", lookUp("reg.example:5000/app").orElseThrow().username());

        Files.writeString(
                elsewhere.resolve("config.json"),
                "{\"auths\":{\"reg.example:5000\":{\"auth\":\"" + auth("elsewhere:pw") + "\"}}}");
        environment.put("DOCKER_CONFIG", elsewhere.toString());
        RegistryCredential found = lookUp("reg.example:5000/app").orElseThrow();

        assertEquals("elsewhere", found.username());
        assertEquals("pw", found.secret());
        assertEquals(elsewhere.resolve("config.json").toString(), found.source());
    }

    @Test
    void registryKeysMatchWithOrWithoutSchemeAndPathAsDockerWritesThem() throws Exception {
        homeConfig("""
                {"auths": {
                  "https://index.docker.io/v1/": {"auth": "%s"},
                  "http://reg.example:5000/v2/": {"username": "plain", "password": "pw"},
                  "ghcr.io": {"auth": "%s"}
                }}""".formatted(auth("hub:pw"), auth("gh:pw")));

        assertEquals("hub", lookUp("ubuntu:24.04").orElseThrow().username());
        assertEquals("hub", lookUp("docker.io/library/ubuntu").orElseThrow().username());
        assertEquals("plain", lookUp("reg.example:5000/app:1").orElseThrow().username());
        assertEquals("gh", lookUp("GHCR.io/org/app").orElseThrow().username());
        assertEquals(Optional.empty(), lookUp("reg.example:5001/app"), "another port is another registry");
        assertEquals(Optional.empty(), lookUp("quay.io/org/app"));
    }

    @Test
    void anIdentityTokenIsUsedAsDockerUsesIt() throws Exception {
        homeConfig("{\"auths\":{\"reg.example\":{\"auth\":\"" + auth("<token>:")
                + "\",\"identitytoken\":\"refresh-me\"}}}");

        RegistryCredential found = lookUp("reg.example/app").orElseThrow();

        assertTrue(found.isIdentityToken());
        assertEquals("refresh-me", found.secret());
        assertFalse(found.toString().contains("refresh-me"), "a secret never shows in a log line");
    }

    @Test
    void aPerRegistryHelperComesFirstThenTheInlineEntryThenTheDefaultStore() throws Exception {
        helper("vault", """
                server=$(cat)
                case "$server" in
                  reg.example) printf '{"ServerURL":"%s","Username":"from-vault","Secret":"s1"}' "$server" ;;
                  https://index.docker.io/v1/) printf '{"ServerURL":"%s","Username":"hub-from-vault","Secret":"s2"}' "$server" ;;
                  *) echo "credentials not found in native keychain"; exit 1 ;;
                esac
                """);
        homeConfig("""
                {"auths": {"reg.example": {"auth": "%s"}, "inline.example": {"auth": "%s"}, "https://index.docker.io/v1/": {}},
                 "credHelpers": {"reg.example": "vault"},
                 "credsStore": "vault"}""".formatted(auth("inline:pw"), auth("inline:pw")));

        RegistryCredential helped = lookUp("reg.example/app").orElseThrow();
        assertEquals("from-vault", helped.username());
        assertTrue(
                helped.source().startsWith("credential helper docker-credential-vault (credHelpers in "),
                helped.source());
        assertEquals("inline", lookUp("inline.example/app").orElseThrow().username());
        assertEquals(
                "hub-from-vault",
                lookUp("ubuntu").orElseThrow().username(),
                "the store answers under docker's Docker Hub key");
        assertEquals(Optional.empty(), lookUp("other.example/app"), "a helper with nothing stored means anonymous");
    }

    @Test
    void aHelperThatIsMissingOrFailsIsReportedInOneLine() throws Exception {
        homeConfig("{\"credsStore\":\"absent\",\"credHelpers\":{\"broken.example\":\"broken\"}}");
        helper("broken", "echo 'the keyring is locked' >&2\nexit 3\n");

        CocoonException missing = assertThrows(CocoonException.class, () -> lookUp("reg.example/app"));
        assertEquals(
                "docker-credential-absent (named by credsStore in " + home.resolve(".docker/config.json")
                        + ") is not installed",
                missing.getMessage());
        CocoonException failed = assertThrows(CocoonException.class, () -> lookUp("broken.example/app"));
        assertEquals(
                "credential helper docker-credential-broken failed for broken.example (exit 3): the keyring is locked",
                failed.getMessage());
        assertTrue(failed.hint().contains("printf %s broken.example | docker-credential-broken get"), failed.hint());
    }

    @Test
    void noConfigMeansAnonymousAndABrokenOneIsNamed() throws Exception {
        assertEquals(Optional.empty(), lookUp("reg.example/app"));

        homeConfig("{\"auths\": {");
        CocoonException broken = assertThrows(CocoonException.class, () -> lookUp("reg.example/app"));
        assertTrue(
                broken.getMessage()
                        .startsWith("cannot read the registry credentials in " + home.resolve(".docker/config.json")),
                broken.getMessage());
        assertFalse(broken.getMessage().contains("\n"), broken.getMessage());

        homeConfig("{\"auths\":{\"reg.example\":{\"auth\":\"bm90LWEtcGFpcg==\"}}}");
        CocoonException badAuth = assertThrows(CocoonException.class, () -> lookUp("reg.example/app"));
        assertTrue(badAuth.getMessage().contains("is not base64 of user:password"), badAuth.getMessage());
    }
}
