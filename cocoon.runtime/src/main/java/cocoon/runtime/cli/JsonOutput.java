package cocoon.runtime.cli;

import cocoon.api.VmSpec;
import cocoon.runtime.store.Json;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationConfig;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.BeanPropertyWriter;
import com.fasterxml.jackson.databind.ser.BeanSerializerModifier;
import java.io.IOException;
import java.util.List;

/**
 * {@code --format json}: the value as indented JSON on stdout. Secrets are shown as {@value #REDACTED}:
 * output is pasted into tickets and chats, while the record on disk keeps the password the seed is built from.
 */
final class JsonOutput {

    static final String REDACTED = "<redacted>";

    private static final JsonSerializer<Object> REDACT = new JsonSerializer<>() {
        @Override
        public void serialize(Object value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
            gen.writeString(REDACTED);
        }
    };
    private static final ObjectMapper MAPPER = Json.mapper()
            .copy()
            .registerModule(new SimpleModule("cocoon-redaction").setSerializerModifier(new SecretsRedacted()));

    private JsonOutput() {}

    static void print(Object value) {
        System.out.println(render(value));
    }

    static String render(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render JSON: " + e.getMessage(), e);
        }
    }

    /** Writes the cloud-init password, whatever record holds it, as {@value #REDACTED}; absent stays absent. */
    private static final class SecretsRedacted extends BeanSerializerModifier {
        @Override
        public List<BeanPropertyWriter> changeProperties(
                SerializationConfig config, BeanDescription bean, List<BeanPropertyWriter> properties) {
            if (bean.getBeanClass() == VmSpec.CloudInit.class) {
                properties.stream()
                        .filter(p -> p.getName().equals("password"))
                        .forEach(p -> p.assignSerializer(REDACT));
            }
            return properties;
        }
    }
}
