package cocoon.plugin.oci.registry;

import java.util.List;

/**
 * The linux/amd64 image manifest a reference resolved to, with its layers bottom first.
 *
 * @param digest          the image manifest's digest
 * @param referenceDigest the digest the reference itself names: the same, or that of the manifest list or index it went through
 * @param config          what Cocoon reads from the image config (architecture, what to run); empty when the
 *                        manifest names no config
 */
public record ResolvedManifest(String digest, String referenceDigest, List<LayerDescriptor> layers, ConfigBlob config) {

    public ResolvedManifest {
        layers = List.copyOf(layers);
    }
}
