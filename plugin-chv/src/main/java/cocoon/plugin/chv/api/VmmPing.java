package cocoon.plugin.chv.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** {@code GET /api/v1/vmm.ping}: the VMM's version and pid. */
public record VmmPing(
        @JsonProperty("build_version") String buildVersion,
        @JsonProperty("version") String version,
        @JsonProperty("pid") long pid,
        @JsonProperty("features") List<String> features) {}
