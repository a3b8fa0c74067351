package cocoon.plugin.oci.layer;

import cocoon.api.CocoonException;

/** A layer entry would land outside the layer's own tree; nothing of the layer was kept. */
public class UnsafeLayerException extends CocoonException {
    public UnsafeLayerException(String layer, String entry, String why) {
        super(
                "layer " + layer + " is unsafe: entry \"" + entry + "\" " + why,
                "the image is malformed or hostile; nothing from it was stored — do not use it");
    }
}
