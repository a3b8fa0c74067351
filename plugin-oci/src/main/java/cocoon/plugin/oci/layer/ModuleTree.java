package cocoon.plugin.oci.layer;

import cocoon.plugin.oci.store.KernelModules;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveOutputStream;
import org.apache.commons.compress.archivers.cpio.CpioConstants;

/**
 * A kernel's module tree as {@code depmod} leaves it in a layer: {@code /lib/modules/<version>/} or
 * {@code /usr/lib/modules/<version>/} with {@code modules.dep} (each module's path, then every module it needs) and,
 * where the kernel ships it, {@code modules.builtin} (the modules compiled into the kernel).
 */
public final class ModuleTree {

    /** The modules the guest hook cannot reach Cocoon's disks without: virtio PCI and block, EROFS, overlay, ext4. */
    public static final List<String> REQUIRED = List.of("virtio_blk", "virtio_pci", "erofs", "overlay", "ext4");

    private static final List<String> PLACES = List.of("lib/modules", "usr/lib/modules");
    private static final String INITRD_LIST = "etc/cocoon/modules";

    private final LayerFiles files;
    /** The tree's folder in the layer, relative. */
    private final String dir;

    private final String version;
    private final Map<String, String> pathOf = new HashMap<>();
    private final Map<String, List<String>> dependencies = new HashMap<>();
    private final Set<String> builtin = new HashSet<>();

    private ModuleTree(LayerFiles files, String dir, String version) throws IOException {
        this.files = files;
        this.dir = dir;
        this.version = version;
        for (String line : lines(dir + "/modules.dep")) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String module = line.substring(0, colon).strip();
            String rest = line.substring(colon + 1).strip();
            pathOf.put(name(module), module);
            dependencies.put(module, rest.isEmpty() ? List.of() : List.of(rest.split("\\s+")));
        }
        String builtinList = dir + "/modules.builtin";
        if (files.isRegularFile(builtinList)) {
            lines(builtinList).stream()
                    .map(String::strip)
                    .filter(line -> !line.isEmpty())
                    .forEach(line -> builtin.add(name(line)));
        }
    }

    /**
     * The tree of the kernel the layer boots ({@code kernel} is its {@code /boot} file name, {@code vmlinuz-<version>}),
     * else the newest one; only real folders count, since a link would point into other layers.
     */
    static Optional<ModuleTree> find(LayerFiles files, Optional<String> kernel) throws IOException {
        Map<String, String> trees = new HashMap<>();
        for (String place : PLACES) {
            if (!files.isFolder(place)) {
                continue;
            }
            for (String version : files.names(place)) {
                String tree = place + "/" + version;
                if (files.isFolder(tree) && files.isRegularFile(tree + "/modules.dep")) {
                    trees.putIfAbsent(version, tree);
                }
            }
        }
        Optional<String> booted = kernel.filter(name -> name.startsWith("vmlinuz-"))
                .map(name -> name.substring("vmlinuz-".length()))
                .filter(trees::containsKey);
        Optional<String> chosen = booted.isPresent()
                ? booted
                : trees.keySet().stream().max(Comparator.comparing(v -> v, VersionOrder.INSTANCE));
        if (chosen.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new ModuleTree(files, trees.get(chosen.get()), chosen.get()));
    }

    private List<String> lines(String path) throws IOException {
        return new String(files.read(path), StandardCharsets.UTF_8).lines().toList();
    }

    public String version() {
        return version;
    }

    public KernelModules facts() {
        return new KernelModules(
                version,
                REQUIRED.stream()
                        .filter(module -> !pathOf.containsKey(module) && !builtin.contains(module))
                        .toList());
    }

    /**
     * The module files to load for {@code names}, relative to the tree, each after every module it needs: modules.dep
     * lists them all, the last to be loaded first. Built-in modules and names the kernel does not have are left out.
     */
    public List<String> loadOrder(List<String> names) throws IOException {
        Set<String> ordered = new LinkedHashSet<>();
        for (String module : names) {
            String path = pathOf.get(module.replace('-', '_'));
            if (path != null && file(path).isPresent()) {
                visit(path, ordered, new HashSet<>());
            }
        }
        return List.copyOf(ordered);
    }

    private void visit(String path, Set<String> ordered, Set<String> visiting) throws IOException {
        if (ordered.contains(path) || !visiting.add(path)) {
            return;
        }
        List<String> needs = new ArrayList<>(dependencies.getOrDefault(path, List.of()));
        Collections.reverse(needs);
        for (String need : needs) {
            if (file(need).isPresent()) {
                visit(need, ordered, visiting);
            }
        }
        ordered.add(path);
    }

    /**
     * Writes the modules {@code names} need, with {@code /etc/cocoon/modules} listing them in load order as the guest
     * hook reads it, as a gzip newc cpio archive: appended to Cocoon's initrd without modules, it makes one initrd.
     * Every folder comes before what is in it, since the kernel creates each file in a folder that must exist.
     */
    public void writeArchive(List<String> names, Path target) throws IOException {
        List<String> modules = loadOrder(names);
        String base = "lib/modules/" + version + "/";
        try (OutputStream file = Files.newOutputStream(target);
                GZIPOutputStream gzip = new GZIPOutputStream(file);
                CpioArchiveOutputStream cpio = new CpioArchiveOutputStream(gzip, CpioConstants.FORMAT_NEW)) {
            Set<String> folders = new HashSet<>();
            byte[] list = modules.stream()
                    .map(module -> module + "\n")
                    .reduce("", String::concat)
                    .getBytes(StandardCharsets.UTF_8);
            writeFile(cpio, folders, INITRD_LIST, list);
            for (String module : modules) {
                writeFile(cpio, folders, base + module, files.read(file(module).orElseThrow()));
            }
            cpio.finish();
        }
    }

    private static void writeFile(CpioArchiveOutputStream cpio, Set<String> folders, String path, byte[] content)
            throws IOException {
        int slash = -1;
        while ((slash = path.indexOf('/', slash + 1)) > 0) {
            String folder = path.substring(0, slash);
            if (folders.add(folder)) {
                CpioArchiveEntry entry = new CpioArchiveEntry(CpioConstants.FORMAT_NEW, folder);
                entry.setMode(CpioConstants.C_ISDIR | 0755);
                entry.setNumberOfLinks(2);
                cpio.putArchiveEntry(entry);
                cpio.closeArchiveEntry();
            }
        }
        CpioArchiveEntry entry = new CpioArchiveEntry(CpioConstants.FORMAT_NEW, path);
        entry.setMode(CpioConstants.C_ISREG | 0644);
        entry.setNumberOfLinks(1);
        entry.setSize(content.length);
        cpio.putArchiveEntry(entry);
        cpio.write(content);
        cpio.closeArchiveEntry();
    }

    /**
     * A module's file when it is a regular file inside the tree: the layer wrote modules.dep, and neither a {@code ..}
     * nor a link may make the host's files part of an initrd.
     */
    private Optional<String> file(String module) throws IOException {
        Path tree = Path.of(dir);
        Path file = tree.resolve(module).normalize();
        return file.startsWith(tree)
                        && !file.equals(tree)
                        && files.isFolder(file.getParent().toString())
                        && files.isRegularFile(file.toString())
                ? Optional.of(file.toString())
                : Optional.empty();
    }

    /** {@code kernel/fs/ext4/ext4.ko} (or {@code .ko.xz}, {@code .ko.zst}) is module {@code ext4}; dashes read as underscores. */
    static String name(String path) {
        String file = path.substring(path.lastIndexOf('/') + 1);
        int ko = file.indexOf(".ko");
        return (ko < 0 ? file : file.substring(0, ko)).replace('-', '_');
    }
}
