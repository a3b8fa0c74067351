package cocoon.plugin.oci.layer;

import java.util.Comparator;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code /boot/vmlinuz*} and {@code /boot/initrd.img*} regular files one layer holds, and which
 * of them a VM should boot: the newest kernel and the initrd of the same version.
 */
public final class BootCandidates {

    private static final String KERNEL = "vmlinuz";
    private static final String INITRD = "initrd.img";

    private final Set<String> kernels = new TreeSet<>();
    private final Set<String> initrds = new TreeSet<>();

    /** Notes what now sits at a layer path; {@code regularFile} false means it is gone or not a file. */
    void seen(String path, boolean regularFile) {
        if (!path.startsWith("boot/") || path.indexOf('/', 5) >= 0) {
            return;
        }
        String name = path.substring(5);
        Set<String> kind = name.startsWith(KERNEL) ? kernels : name.startsWith(INITRD) ? initrds : null;
        if (kind == null) {
            return;
        }
        if (regularFile) {
            kind.add(name);
        } else {
            kind.remove(name);
        }
    }

    /** Notes that whatever sat at a layer path is gone, with everything under it. */
    void gone(String path) {
        if (path.equals("boot")) {
            kernels.clear();
            initrds.clear();
        } else {
            seen(path, false);
        }
    }

    /** The newest kernel's file name in {@code /boot}. */
    public Optional<String> kernel() {
        return kernels.stream()
                .max(Comparator.comparing(name -> name.substring(KERNEL.length()), VersionOrder.INSTANCE));
    }

    /** The initrd matching {@link #kernel()} ({@code vmlinuz-X} pairs with {@code initrd.img-X}), else the newest one. */
    public Optional<String> initrd() {
        Optional<String> matching = kernel().map(kernel -> INITRD + kernel.substring(KERNEL.length()))
                .filter(initrds::contains);
        return matching.isPresent()
                ? matching
                : initrds.stream()
                        .max(Comparator.comparing(name -> name.substring(INITRD.length()), VersionOrder.INSTANCE));
    }
}
