/** Cloud disk images pulled over HTTP/HTTPS, kept as qcow2 bases, and the qcow2 overlays and seed disks VMs boot from. */
// The plugin compiles against cocoon.api alone, so javac cannot see the Jackson module its packages are opened to.
@SuppressWarnings("module")
module cocoon.plugin.cloudimage {
    requires cocoon.api;

    // The index records and partial-download validators are written and read by the runtime's Jackson-backed JsonFiles.
    opens cocoon.plugin.cloudimage.store to
            com.fasterxml.jackson.databind;
    opens cocoon.plugin.cloudimage.download to
            com.fasterxml.jackson.databind;

    provides cocoon.api.ImageSource.Provider with
            cocoon.plugin.cloudimage.CloudImageSourceProvider;
    provides cocoon.api.DiskBuilder.Provider with
            cocoon.plugin.cloudimage.disk.OverlayDiskBuilderProvider;
}
