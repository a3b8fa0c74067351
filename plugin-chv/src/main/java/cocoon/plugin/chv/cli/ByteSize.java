package cocoon.plugin.chv.cli;

/** Sizes in Cloud Hypervisor's option syntax: a number with an optional binary K, M or G suffix. */
public final class ByteSize {

    private static final long KIB = 1024;

    private ByteSize() {}

    /** The largest suffix that represents {@code bytes} exactly, so the guest gets precisely what was asked for. */
    public static String format(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative size: " + bytes);
        }
        if (bytes == 0) {
            return "0";
        }
        String[] suffixes = {"G", "M", "K"};
        long[] units = {KIB * KIB * KIB, KIB * KIB, KIB};
        for (int i = 0; i < units.length; i++) {
            if (bytes % units[i] == 0) {
                return (bytes / units[i]) + suffixes[i];
            }
        }
        return Long.toString(bytes);
    }
}
