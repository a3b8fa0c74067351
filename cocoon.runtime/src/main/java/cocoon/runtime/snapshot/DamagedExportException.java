package cocoon.runtime.snapshot;

import cocoon.api.CocoonException;

/** An export that is not what its manifest says, or not an export at all; the import stored nothing. */
public final class DamagedExportException extends CocoonException {

    DamagedExportException(String source, String what) {
        super(
                "cannot import " + source + ": " + what,
                "nothing was stored; export the snapshot again and copy the whole file");
    }
}
