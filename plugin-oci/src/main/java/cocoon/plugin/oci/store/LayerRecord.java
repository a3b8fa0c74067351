package cocoon.plugin.oci.store;

/** One layer of an indexed image: its registry digest ({@code sha256:<hex>}) and compressed size. */
public record LayerRecord(String digest, long size) {

    public String hex() {
        return digest.substring(digest.indexOf(':') + 1);
    }
}
