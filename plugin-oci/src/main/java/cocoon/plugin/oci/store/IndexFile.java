package cocoon.plugin.oci.store;

import java.util.Map;
import java.util.TreeMap;

/** The whole of {@code images/oci/index.json}: entries by normalised reference. */
public record IndexFile(int version, Map<String, IndexEntry> images) {

    static final int VERSION = 1;

    public IndexFile {
        images = new TreeMap<>(images == null ? Map.of() : images);
    }

    static IndexFile empty() {
        return new IndexFile(VERSION, Map.of());
    }
}
