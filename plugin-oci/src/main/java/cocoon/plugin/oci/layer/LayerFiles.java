package cocoon.plugin.oci.layer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Read access to the files a converted layer holds, by relative {@code /}-separated path, never following a
 * symlink: what boot files and the kernel module tree are taken from, whether the layer was unpacked into a folder
 * or written straight into an EROFS image.
 */
interface LayerFiles {

    /** Whether {@code path} ({@code ""} for the root) is a folder reached through folders only. */
    boolean isFolder(String path) throws IOException;

    /** The names in a folder that {@link #isFolder} accepts. */
    List<String> names(String folder) throws IOException;

    /** Whether {@code path} itself is a regular file (not a link to one). */
    boolean isRegularFile(String path) throws IOException;

    byte[] read(String path) throws IOException;

    /** Copies a regular file to {@code target}, which must not exist. */
    void copy(String path, Path target) throws IOException;

    /** The files of a folder a layer was unpacked into. */
    static LayerFiles in(Path root) {
        return new LayerFiles() {
            @Override
            public boolean isFolder(String path) {
                for (Path at = root.resolve(path); !at.equals(root); at = at.getParent()) {
                    if (!Files.isDirectory(at, LinkOption.NOFOLLOW_LINKS)) {
                        return false;
                    }
                }
                return true;
            }

            @Override
            public List<String> names(String folder) throws IOException {
                try (Stream<Path> list = Files.list(root.resolve(folder))) {
                    return list.map(file -> file.getFileName().toString()).toList();
                }
            }

            @Override
            public boolean isRegularFile(String path) {
                return Files.isRegularFile(root.resolve(path), LinkOption.NOFOLLOW_LINKS);
            }

            @Override
            public byte[] read(String path) throws IOException {
                return Files.readAllBytes(root.resolve(path));
            }

            @Override
            public void copy(String path, Path target) throws IOException {
                Files.copy(root.resolve(path), target);
            }
        };
    }
}
