package cocoon.api;

/** On-disk formats hypervisors are told about. */
public enum DiskFormat {
    RAW,
    QCOW2;

    /** The spelling both Cloud Hypervisor and QEMU use. */
    public String option() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
