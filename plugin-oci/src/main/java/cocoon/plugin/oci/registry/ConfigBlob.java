package cocoon.plugin.oci.registry;

import cocoon.api.ImageConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What Cocoon reads from an image's config blob: the {@code architecture} and what the image says to run.
 * Fields of the wrong type are read as absent, as docker does not refuse such images either.
 */
public record ConfigBlob(String architecture, ImageConfig run) {

    private static final ObjectMapper READER = new ObjectMapper();

    public static ConfigBlob parse(byte[] json) throws IOException {
        JsonNode root = READER.readTree(json);
        JsonNode config = root.path("config");
        JsonNode architecture = root.path("architecture");
        return new ConfigBlob(
                architecture.isTextual() ? architecture.asText() : null,
                new ImageConfig(
                        words(config.path("Entrypoint")),
                        words(config.path("Cmd")),
                        words(config.path("Env")).stream()
                                .filter(ConfigBlob::isVariable)
                                .toList(),
                        text(config.path("WorkingDir")),
                        text(config.path("User"))));
    }

    /** An {@code Env} word without a name before its {@code =} could not be set in any process. */
    private static boolean isVariable(String word) {
        return word.indexOf('=') > 0;
    }

    private static List<String> words(JsonNode array) {
        List<String> words = new ArrayList<>();
        if (array.isArray()) {
            array.forEach(word -> {
                if (word.isTextual()) {
                    words.add(word.asText());
                }
            });
        }
        return words;
    }

    private static String text(JsonNode node) {
        return node.isTextual() ? node.asText() : null;
    }
}
