package cocoon.plugin.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.InvalidInputException;
import cocoon.plugin.oci.registry.OciReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class OciReferenceTest {

    private static final String DIGEST = "sha256:" + "ab".repeat(32);

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "ubuntu:24.04,                docker.io/library/ubuntu:24.04",
        "ubuntu,                      docker.io/library/ubuntu:latest",
        "library/ubuntu,              docker.io/library/ubuntu:latest",
        "docker.io/ubuntu:22.04,      docker.io/library/ubuntu:22.04",
        "index.docker.io/org/app:1,   docker.io/org/app:1",
        "org/app:v1,                  docker.io/org/app:v1",
        "ghcr.io/org/img:tag,         ghcr.io/org/img:tag",
        "GHCR.io/org/img,             ghcr.io/org/img:latest",
        "localhost:5000/img,          localhost:5000/img:latest",
        "localhost/img,               localhost/img:latest",
        "127.0.0.1:5000/a/b/c:1.0,    127.0.0.1:5000/a/b/c:1.0",
        "my-org/my__app.x-y:1_0.a-b,  docker.io/my-org/my__app.x-y:1_0.a-b",
        "Registry.Example:443/a/b,    registry.example:443/a/b:latest",
    })
    void normalisesReferencesAsUsersTypeThem(String typed, String canonical) {
        assertEquals(canonical, OciReference.parse(typed).canonical());
    }

    @Test
    void aDigestPinsTheManifestAndDropsTheDefaultTag() {
        OciReference reference = OciReference.parse("host:5000/img@" + DIGEST);
        assertEquals("host:5000", reference.registry());
        assertEquals("img", reference.repository());
        assertNull(reference.tag());
        assertEquals(DIGEST, reference.qualifier());
        assertEquals("host:5000/img@" + DIGEST, reference.canonical());
    }

    @Test
    void dockerHubIsReachedThroughItsApiHost() {
        OciReference reference = OciReference.parse("ubuntu:24.04");
        assertEquals("registry-1.docker.io", reference.registry());
        assertEquals("library/ubuntu", reference.repository());
        assertEquals("24.04", reference.qualifier());
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost:5000/img", "127.0.0.1:5000/img", "127.1.2.3/img", "localhost/img"})
    void loopbackRegistriesAreRecognised(String typed) {
        assertTrue(OciReference.parse(typed).isLoopback());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ghcr.io/org/img", "ubuntu", "localhost.example.com/img", "128.0.0.1/img"})
    void otherRegistriesAreNotLoopback(String typed) {
        assertFalse(OciReference.parse(typed).isLoopback());
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1:99999999/x:1", "localhost:0/img", "registry.example:65536/img"})
    void aPortOutsideOneTo65535IsAnInvalidInput(String typed) {
        InvalidInputException error = assertThrows(InvalidInputException.class, () -> OciReference.parse(typed));
        assertTrue(error.hint().contains("1 to 65535"), error.hint());
        assertFalse(OciReference.isReference(typed));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "Ubuntu:24.04",
                "ubuntu:",
                "ubuntu@sha256:abc",
                "",
                "  ",
                "a b",
                "img:tag:more",
                "scratch",
                "/abs/path",
                "img@sha256:ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB",
                "-img",
                "img_",
                "host:5000/img:-tag"
            })
    void badSyntaxIsAnInvalidInputWithTheAcceptedForm(String typed) {
        InvalidInputException error = assertThrows(InvalidInputException.class, () -> OciReference.parse(typed));
        assertTrue(error.getMessage().contains("not a valid OCI image reference"), error.getMessage());
        assertTrue(error.hint().contains("repository[:tag]"), error.hint());
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://example.com/disk.qcow2", "http://10.0.0.1/img.raw"})
    void urlsBelongToAnotherSource(String typed) {
        assertFalse(OciReference.isReference(typed));
        assertThrows(InvalidInputException.class, () -> OciReference.parse(typed));
    }
}
