package cocoon.plugin.oci.layer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The root file system a guest will see through overlayfs over an image's disks, told from their listings:
 * a path is looked up from the top disk down, a whiteout ends the search, a non-folder hides everything
 * below it, and a folder merges with the folders below it down to the first opaque one. Symlinks are
 * followed inside the image's root, as they will be after {@code switch_root}.
 */
public final class RootFileSystem {

    /** The kernel's own limit on symlinks followed in one lookup (ELOOP). */
    private static final int MAX_SYMLINKS = 40;

    private final List<LayerListing> disks;

    /** @param disks bottom first, as the image stacks them */
    public RootFileSystem(List<LayerListing> disks) {
        this.disks = List.copyOf(disks);
    }

    /** Whether {@code path} (absolute, in the image) leads to a regular file someone may execute. */
    public boolean executable(String path) {
        Deque<String> pending = new ArrayDeque<>(components(path));
        List<String> at = new ArrayList<>();
        int symlinks = 0;
        while (!pending.isEmpty()) {
            String name = pending.pop();
            if (name.equals("..")) {
                if (!at.isEmpty()) {
                    at.remove(at.size() - 1);
                }
                continue;
            }
            List<String> candidate = new ArrayList<>(at);
            candidate.add(name);
            LayerListing.Entry entry = find(candidate);
            if (entry == null) {
                return false;
            }
            switch (entry.kind()) {
                case SYMLINK -> {
                    if (++symlinks > MAX_SYMLINKS) {
                        return false;
                    }
                    if (entry.target().startsWith("/")) {
                        at.clear();
                    }
                    List<String> target = components(entry.target());
                    for (int i = target.size() - 1; i >= 0; i--) {
                        pending.push(target.get(i));
                    }
                }
                case FOLDER, OPAQUE_FOLDER -> at = candidate;
                case EXECUTABLE -> {
                    return pending.isEmpty();
                }
                default -> {
                    return false;
                }
            }
        }
        return false;
    }

    /**
     * What the overlay shows at a path whose every parent is a folder (symlinks already followed), or null.
     * {@code top} and {@code bottom} bound the disks whose folder at the current depth merges into what the
     * guest sees.
     */
    private LayerListing.Entry find(List<String> path) {
        int top = disks.size() - 1;
        int bottom = 0;
        LayerListing.Entry found = null;
        StringBuilder key = new StringBuilder();
        for (String part : path) {
            if (found != null && !found.isFolder()) {
                return null;
            }
            key.append(key.isEmpty() ? "" : "/").append(part);
            found = null;
            int nextTop = top;
            int nextBottom = bottom;
            for (int disk = top; disk >= bottom; disk--) {
                LayerListing.Entry entry = disks.get(disk).get(key.toString());
                if (entry == null) {
                    continue;
                }
                if (found == null) {
                    if (entry.kind() == LayerListing.Kind.WHITEOUT) {
                        return null;
                    }
                    found = entry;
                    nextTop = disk;
                    if (!entry.isFolder() || entry.kind() == LayerListing.Kind.OPAQUE_FOLDER) {
                        nextBottom = disk;
                        break;
                    }
                } else if (!entry.isFolder()) {
                    nextBottom = disk + 1;
                    break;
                } else if (entry.kind() == LayerListing.Kind.OPAQUE_FOLDER) {
                    nextBottom = disk;
                    break;
                }
            }
            if (found == null) {
                return null;
            }
            top = nextTop;
            bottom = nextBottom;
        }
        return found;
    }

    private static List<String> components(String path) {
        List<String> parts = new ArrayList<>();
        for (String part : path.split("/", -1)) {
            if (!part.isEmpty() && !part.equals(".")) {
                parts.add(part);
            }
        }
        return parts;
    }
}
