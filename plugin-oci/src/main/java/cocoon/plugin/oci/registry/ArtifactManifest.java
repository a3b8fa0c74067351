package cocoon.plugin.oci.registry;

import com.google.cloud.tools.jib.image.json.ManifestTemplate;
import com.google.cloud.tools.jib.json.JsonTemplate;
import java.util.List;

/**
 * An OCI image manifest for an artifact: its config's media type says what it is, its layers are the artifact's
 * blobs. Laid out as jib's {@code OciManifestTemplate} reads it, so the same client pulls it back; jib serialises
 * the fields.
 */
@SuppressWarnings({"UnusedVariable", "FieldCanBeFinal"}) // read by jib's Jackson through JsonTemplate's field access
public final class ArtifactManifest implements ManifestTemplate {

    static final String MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json";

    private int schemaVersion = 2;
    private String mediaType = MEDIA_TYPE;
    private Descriptor config;
    private List<Descriptor> layers;

    public ArtifactManifest(Descriptor config, List<Descriptor> layers) {
        this.config = config;
        this.layers = List.copyOf(layers);
    }

    @Override
    public int getSchemaVersion() {
        return schemaVersion;
    }

    @Override
    public String getManifestMediaType() {
        return mediaType;
    }

    /** One content descriptor: media type, digest, size. */
    @SuppressWarnings({"UnusedVariable", "FieldCanBeFinal"}) // as above
    public static final class Descriptor implements JsonTemplate {
        private String mediaType;
        private String digest;
        private long size;

        public Descriptor(String mediaType, String digest, long size) {
            this.mediaType = mediaType;
            this.digest = digest;
            this.size = size;
        }
    }
}
