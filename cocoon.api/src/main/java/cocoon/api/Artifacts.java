package cocoon.api;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * OCI artifacts in a registry: a manifest whose config has a media type of the runtime's own (what kind of artifact
 * it is) and whose blobs the runtime supplies and reads back; offered by an image source that speaks to registries
 * ({@link ImageSource#artifacts()}).
 */
public interface Artifacts {

    /** A blob: its media type, digest ({@code sha256:<hex>}) and size, all known before it is sent. */
    record Blob(String mediaType, String digest, long size) {}

    /**
     * What an artifact's manifest says: its config's media type and text (UTF-8 JSON), and its blobs in order.
     *
     * @param configMediaType what the artifact is; null in a pulled manifest whose client does not expose media types
     *                        (jib's), where the config's own content must say what it is
     * @param digest the manifest's digest once pushed or pulled; null for one about to be pushed
     */
    record Manifest(String configMediaType, String config, List<Blob> blobs, String digest) {
        public Manifest {
            blobs = List.copyOf(blobs);
        }
    }

    /** Writes a blob's bytes, exactly those its digest names. */
    interface Content {
        void writeTo(Blob blob, OutputStream out) throws IOException;
    }

    /**
     * Uploads the config and every blob the repository lacks (a blob it has is not sent again), then the manifest
     * under {@code reference}; returns the manifest as pushed, with its digest.
     */
    Manifest push(String reference, Manifest manifest, Content content, boolean insecure);

    /** The manifest at {@code reference} and its config, its size and digest checked. */
    Manifest pull(String reference, boolean insecure);

    /** Streams one blob of the artifact at {@code reference} into {@code out}, checked against its digest and size. */
    void download(String reference, Blob blob, OutputStream out, boolean insecure);
}
