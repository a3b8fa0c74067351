package cocoon.e2e.reliability;

import cocoon.plugin.oci.testing.RegistryFixture;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test class's registry holding one small pushed image, and a Cocoon store that has pulled it, in the
 * class's {@code @TempDir} ({@code @RegisterExtension static final PulledStore store = new PulledStore("repo", () -> dir)};
 * JUnit fills static temp dirs before this runs). After the class, every VM the tests left is removed
 * (stopping its hypervisor) and the registry stops.
 */
final class PulledStore implements BeforeAllCallback, AfterAllCallback {

    private final String repository;
    private final Supplier<Path> dir;
    private RegistryFixture registry;
    private Cocoon cocoon;
    private String image;

    PulledStore(String repository, Supplier<Path> dir) {
        this.repository = repository;
        this.dir = dir;
    }

    RegistryFixture registry() {
        return registry;
    }

    Cocoon cocoon() {
        return cocoon;
    }

    /** The pulled image's reference. */
    String image() {
        return image;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        registry = RegistryFixture.start(Files.createDirectories(dir.get().resolve("registry")));
        cocoon = new Cocoon(dir.get().resolve("state"));
        image = Images.push(registry, repository, "1", 1, 64 << 10);
        cocoon.run("pull", "--quiet", image).ok();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try {
            for (JsonNode vm : new ObjectMapper()
                    .readTree(cocoon.run("ps", "--format", "json").out())) {
                cocoon.run("rm", "--force", vm.path("id").asText());
            }
        } finally {
            registry.close();
        }
    }
}
