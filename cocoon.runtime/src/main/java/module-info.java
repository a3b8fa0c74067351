/** The Cocoon CLI: commands, configuration, VM state store, locking, lifecycle, GC, console relay, plugin discovery. */
module cocoon.runtime {
    requires cocoon.api;
    requires info.picocli;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.datatype.jsr310;
    requires com.fasterxml.jackson.dataformat.toml;
    requires com.sun.jna;
    requires org.apache.commons.compress;
    requires jdk.unsupported;

    uses cocoon.api.ImageSource.Provider;
    uses cocoon.api.DiskBuilder.Provider;
    uses cocoon.api.Hypervisor.Provider;
    uses cocoon.api.Network.Provider;

    opens cocoon.runtime.cli to
            com.fasterxml.jackson.databind;
    opens cocoon.runtime.snapshot to
            com.fasterxml.jackson.databind;
    opens cocoon.runtime.console to
            com.sun.jna;
}
