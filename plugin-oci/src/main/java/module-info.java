/** OCI VM images: pulls from registries into a verified blob cache, layers as EROFS disks, raw COW disks over them. */
module cocoon.plugin.oci {
    requires cocoon.api;
    requires com.google.cloud.tools.jib;
    requires com.fasterxml.jackson.databind;
    requires org.apache.commons.compress;

    opens cocoon.plugin.oci.store to
            com.fasterxml.jackson.databind;
    // jib serialises the artifact manifest it pushes through its own Jackson, field by field.
    opens cocoon.plugin.oci.registry to
            com.fasterxml.jackson.databind;

    provides cocoon.api.ImageSource.Provider with
            cocoon.plugin.oci.OciImageSourceProvider;
    provides cocoon.api.DiskBuilder.Provider with
            cocoon.plugin.oci.OciDiskBuilderProvider;
}
