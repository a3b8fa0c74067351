package cocoon.plugin.qemu;

/** QEMU's option syntax: {@code key=value} pairs joined by commas. */
final class QemuOptions {

    private QemuOptions() {}

    /** A comma inside a value is written twice, or QEMU would read it as the start of the next key. */
    static String escape(String value) {
        return value.replace(",", ",,");
    }
}
