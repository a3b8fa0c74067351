package cocoon.runtime.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cocoon.api.InvalidInputException;
import java.util.Set;
import org.junit.jupiter.api.Test;

class VmNamesTest {

    @Test
    void defaultNameComesFromTheImageAndIsMadeUnique() {
        assertEquals("cocoon-ubuntu", VmNames.defaultFor("docker.io/library/ubuntu:24.04", Set.of()));
        assertEquals(
                "cocoon-demo-2", VmNames.defaultFor("localhost:5000/cocoon/demo@sha256:abcd", Set.of("cocoon-demo")));
        assertEquals(
                "cocoon-noble-server-cloudimg-amd64",
                VmNames.defaultFor("https://cloud-images.example/noble-server-cloudimg-amd64.img", Set.of()));
    }

    @Test
    void rejectsHostileNames() {
        for (String bad : new String[] {"", "a/b", "..", "a..b", "-x", ".hidden", "x".repeat(64), "white space"}) {
            assertThrows(InvalidInputException.class, () -> VmNames.validate(bad), bad);
        }
        assertEquals("web-1.test_a", VmNames.validate("web-1.test_a"));
    }
}
