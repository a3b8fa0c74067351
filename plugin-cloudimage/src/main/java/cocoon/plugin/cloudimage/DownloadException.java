package cocoon.plugin.cloudimage;

import cocoon.api.CocoonException;

/** Fetching an image or a checksum file over HTTP/HTTPS failed; at most a partial temp file is left. */
public final class DownloadException extends CocoonException {
    public DownloadException(String what, String hint) {
        super(what, hint);
    }

    public DownloadException(String what, String hint, Throwable cause) {
        super(what, hint, cause);
    }
}
