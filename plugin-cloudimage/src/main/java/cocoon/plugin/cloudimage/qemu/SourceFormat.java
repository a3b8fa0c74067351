package cocoon.plugin.cloudimage.qemu;

/** Disk formats a downloaded image may come in; the name is what {@code qemu-img -f} expects. */
public enum SourceFormat {
    QCOW2("qcow2"),
    RAW("raw"),
    VMDK("vmdk"),
    VHDX("vhdx"),
    VPC("vpc"),
    VDI("vdi");

    private final String qemuName;

    SourceFormat(String qemuName) {
        this.qemuName = qemuName;
    }

    public String qemuName() {
        return qemuName;
    }
}
