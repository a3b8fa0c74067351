package cocoon.plugin.oci.layer;

import cocoon.api.CocoonException;

/** A layer unpacks to more than the configured bounds allow, or the disk is running out; nothing was kept. */
public class LayerTooLargeException extends CocoonException {
    public LayerTooLargeException(String what, String hint) {
        super(what, hint);
    }
}
