package cocoon.plugin.chv.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;

/** The body of {@code PUT /api/v1/vm.snapshot}: where the snapshot goes, as a {@code file://} URL of a folder. */
public record SnapshotConfig(
        @JsonProperty("destination_url") String destinationUrl) {

    /** Cloud Hypervisor takes the path after {@code file://} as it is: no percent-decoding. */
    public static SnapshotConfig into(Path folder) {
        return new SnapshotConfig("file://" + folder.toAbsolutePath());
    }
}
