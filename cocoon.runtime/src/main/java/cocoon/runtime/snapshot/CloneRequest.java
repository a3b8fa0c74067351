package cocoon.runtime.snapshot;

import cocoon.api.PublishedPort;
import java.util.List;

/**
 * What {@code cocoon clone} asks for: a null {@code network}, {@code cpus} or {@code memoryBytes} keeps the source's;
 * a memory snapshot's clone can take no other, as the saved guest was sized and addressed for them.
 */
public record CloneRequest(
        String snapshot,
        String name,
        List<PublishedPort> published,
        String network,
        Integer cpus,
        Long memoryBytes,
        boolean start) {

    public CloneRequest {
        published = published == null ? List.of() : List.copyOf(published);
    }

    /** A clone with the source's cards, size and network mode. */
    public static CloneRequest of(String snapshot, String name, List<PublishedPort> published, boolean start) {
        return new CloneRequest(snapshot, name, published, null, null, null, start);
    }
}
