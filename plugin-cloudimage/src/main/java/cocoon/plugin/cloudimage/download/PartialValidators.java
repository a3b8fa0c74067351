package cocoon.plugin.cloudimage.download;

/**
 * Beside a partial download: which URL it is from and the validators the server gave for those
 * bytes, so a resumed request can ask for the rest of the same version ({@code If-Range}).
 */
public record PartialValidators(String url, String etag, String lastModified) {

    /** A validator {@code If-Range} accepts: a strong ETag, or else the Last-Modified date. */
    String ifRange() {
        if (etag != null && !etag.startsWith("W/")) {
            return etag;
        }
        return lastModified;
    }
}
