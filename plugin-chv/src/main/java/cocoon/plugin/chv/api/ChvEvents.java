package cocoon.plugin.chv.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The file {@code --event-monitor path=} fills: one pretty-printed JSON object per event
 * ({@code timestamp}, {@code source}, {@code event}, {@code properties}; cloud-hypervisor's
 * {@code event_monitor/src/lib.rs}), appended as they happen.
 */
public final class ChvEvents {

    private static final ObjectMapper JSON =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** One event; {@code properties} are not read. */
    public record Event(String source, String event) {}

    private ChvEvents() {}

    /**
     * Whether the VMM went through its own shutdown ({@code vmm shutdown}, after {@code vm shutdown} and
     * {@code vm deleted}): what it does when the guest powers off, and on {@code vmm.shutdown}. A VMM that
     * was killed or crashed never writes it. A torn last event (the process died mid-write) is not one.
     */
    public static boolean vmmShutDown(Path file) {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try (MappingIterator<Event> events = JSON.readerFor(Event.class)
                .without(JsonParser.Feature.AUTO_CLOSE_SOURCE)
                .readValues(file.toFile())) {
            while (events.hasNextValue()) {
                Event event = events.nextValue();
                if ("vmm".equals(event.source()) && "shutdown".equals(event.event())) {
                    return true;
                }
            }
            return false;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
