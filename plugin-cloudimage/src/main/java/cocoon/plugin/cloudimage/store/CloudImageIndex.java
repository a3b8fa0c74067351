package cocoon.plugin.cloudimage.store;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/** The whole {@code images/cloudimg/index.json}: URL to what was pulled from it. */
public record CloudImageIndex(Map<String, IndexEntry> images) {

    public CloudImageIndex {
        images = images == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(images));
    }

    public static CloudImageIndex empty() {
        return new CloudImageIndex(Map.of());
    }

    public CloudImageIndex with(IndexEntry entry) {
        Map<String, IndexEntry> next = new TreeMap<>(images);
        next.put(entry.url(), entry);
        return new CloudImageIndex(next);
    }

    public CloudImageIndex without(String url) {
        Map<String, IndexEntry> next = new TreeMap<>(images);
        next.remove(url);
        return new CloudImageIndex(next);
    }
}
