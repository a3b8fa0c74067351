package cocoon.plugin.oci.registry;

/** One layer as a manifest lists it: its compressed blob's digest ({@code sha256:<hex>}) and size. */
public record LayerDescriptor(String digest, long size) {

    /** The 64 hex digits of the digest. */
    public String hex() {
        return digest.substring(digest.indexOf(':') + 1);
    }
}
