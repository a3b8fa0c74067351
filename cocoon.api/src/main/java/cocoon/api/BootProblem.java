package cocoon.api;

/**
 * Why a VM made from an image could not boot: {@code what} is missing, {@code hint} says what fixes it.
 * The kind lets the runtime tell problems apart that something other than the image can solve (a kernel
 * it supplies answers {@link Kind#NO_KERNEL}).
 */
public record BootProblem(Kind kind, String what, String hint) {

    public enum Kind {
        /** An OCI image with no {@code /boot/vmlinuz-*} in its layers. */
        NO_KERNEL,
        /** No executable {@code /sbin/init} in the image's root file system. */
        NO_INIT,
        /** Built for another CPU architecture than the host's. */
        WRONG_ARCHITECTURE,
        /** A firmware-booted image with no EFI system partition on any disk. */
        NO_EFI_PARTITION
    }
}
