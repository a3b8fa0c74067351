package cocoon.runtime.cli;

import cocoon.runtime.store.Json;
import com.fasterxml.jackson.core.JsonProcessingException;

/** {@code --format json}: the value as indented JSON on stdout. */
final class JsonOutput {

    private JsonOutput() {
    }

    static void print(Object value) {
        try {
            System.out.println(Json.mapper().writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render JSON: " + e.getMessage(), e);
        }
    }
}
