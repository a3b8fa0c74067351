package cocoon.plugin.oci.registry;

import java.util.List;

/** The linux/amd64 image manifest a reference resolved to, with its layers bottom first. */
public record ResolvedManifest(String digest, List<LayerDescriptor> layers) {

    public ResolvedManifest {
        layers = List.copyOf(layers);
    }
}
