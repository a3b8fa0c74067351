package cocoon.runtime.store;

import cocoon.api.VmSpec;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.std.DelegatingDeserializer;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * Records written before hypervisor options existed kept QEMU's acceleration as {@code spec.accel}: it is
 * read as the hypervisor option {@code accel}, so such a VM still starts as it was created.
 */
final class VmSpecMigration extends BeanDeserializerModifier {

    private static final String OLD_ACCEL = "accel";

    @Override
    public JsonDeserializer<?> modifyDeserializer(
            DeserializationConfig config, BeanDescription description, JsonDeserializer<?> deserializer) {
        return description.getBeanClass() == VmSpec.class ? new Reader(deserializer) : deserializer;
    }

    private static final class Reader extends DelegatingDeserializer {

        Reader(JsonDeserializer<?> current) {
            super(current);
        }

        @Override
        protected JsonDeserializer<?> newDelegatingInstance(JsonDeserializer<?> newDelegatee) {
            return new Reader(newDelegatee);
        }

        @Override
        public Object deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            ObjectNode spec = parser.readValueAsTree();
            if (spec.has(OLD_ACCEL) && !spec.has("hypervisorOptions")) {
                String accel = spec.remove(OLD_ACCEL).asText();
                if (!accel.isBlank() && !accel.equals("auto")) {
                    spec.putObject("hypervisorOptions").put(OLD_ACCEL, accel);
                }
            }
            try (JsonParser migrated = spec.traverse(parser.getCodec())) {
                migrated.nextToken();
                return _delegatee.deserialize(migrated, context);
            }
        }
    }
}
