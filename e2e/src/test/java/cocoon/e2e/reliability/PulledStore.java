package cocoon.e2e.reliability;

import cocoon.plugin.oci.testing.RegistryFixture;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A registry holding one small pushed image and a Cocoon store that has pulled it. Closing removes
 * every VM the test left (stopping their hypervisors) and stops the registry.
 */
final class PulledStore implements AutoCloseable {

    final RegistryFixture registry;
    final Cocoon cocoon;
    final String image;

    private PulledStore(RegistryFixture registry, Cocoon cocoon, String image) {
        this.registry = registry;
        this.cocoon = cocoon;
        this.image = image;
    }

    static PulledStore open(Path dir, String repository) throws Exception {
        RegistryFixture registry = RegistryFixture.start(Files.createDirectories(dir.resolve("registry")));
        Cocoon cocoon = new Cocoon(dir.resolve("state"));
        String image = Images.push(registry, repository, "1", 1, 64 << 10);
        cocoon.run("pull", "--quiet", image).ok();
        return new PulledStore(registry, cocoon, image);
    }

    @Override
    public void close() throws Exception {
        for (JsonNode vm : new ObjectMapper().readTree(cocoon.run("ps", "--format", "json").out())) {
            cocoon.run("rm", "--force", vm.path("id").asText());
        }
        registry.close();
    }
}
