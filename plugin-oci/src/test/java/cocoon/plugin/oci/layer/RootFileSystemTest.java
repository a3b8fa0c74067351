package cocoon.plugin.oci.layer;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.plugin.oci.layer.LayerListing.Entry;
import cocoon.plugin.oci.layer.LayerListing.Kind;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RootFileSystemTest {

    /** A listing of {@code path, kind[, target]} triples. */
    private static LayerListing disk(String... entries) {
        Map<String, Entry> map = new HashMap<>();
        for (String entry : entries) {
            String[] parts = entry.split(" ", -1);
            Kind kind = Kind.valueOf(parts[1]);
            map.put(parts[0], new Entry(kind, kind == Kind.SYMLINK ? parts[2] : null));
        }
        return new LayerListing(map);
    }

    private static final LayerListing MERGED_USR = disk(
            "sbin SYMLINK usr/sbin",
            "lib SYMLINK usr/lib",
            "usr FOLDER",
            "usr/sbin FOLDER",
            "usr/sbin/init SYMLINK ../lib/systemd/systemd",
            "usr/lib FOLDER",
            "usr/lib/systemd FOLDER",
            "usr/lib/systemd/systemd EXECUTABLE");

    @Test
    void initIsFoundThroughAMergedUsrSymlinkAndARelativeOne() {
        assertTrue(new RootFileSystem(List.of(MERGED_USR)).executable("/sbin/init"));
    }

    @Test
    void anAbsoluteSymlinkResolvesInsideTheImageRoot() {
        LayerListing busybox =
                disk("bin FOLDER", "bin/busybox EXECUTABLE", "sbin FOLDER", "sbin/init SYMLINK /bin/../../bin/busybox");
        assertTrue(new RootFileSystem(List.of(busybox)).executable("/sbin/init"));
    }

    @Test
    void aWhiteoutInAnUpperDiskDeletesInit() {
        LayerListing upper =
                disk("usr FOLDER", "usr/lib FOLDER", "usr/lib/systemd FOLDER", "usr/lib/systemd/systemd WHITEOUT");
        assertFalse(new RootFileSystem(List.of(MERGED_USR, upper)).executable("/sbin/init"));
    }

    @Test
    void anOpaqueFolderHidesTheLowerDisksButNotItsOwnFiles() {
        LayerListing opaque = disk("usr FOLDER", "usr/lib OPAQUE_FOLDER");
        assertFalse(new RootFileSystem(List.of(MERGED_USR, opaque)).executable("/sbin/init"));
        LayerListing refilled = disk(
                "usr FOLDER", "usr/lib OPAQUE_FOLDER", "usr/lib/systemd FOLDER", "usr/lib/systemd/systemd EXECUTABLE");
        assertTrue(new RootFileSystem(List.of(MERGED_USR, refilled)).executable("/sbin/init"));
    }

    @Test
    void aFolderAboveMergesWithTheFoldersBelowIt() {
        LayerListing upper = disk("usr FOLDER", "usr/lib FOLDER", "usr/lib/other EXECUTABLE");
        assertTrue(new RootFileSystem(List.of(MERGED_USR, upper)).executable("/sbin/init"));
    }

    @Test
    void aFileAboveHidesTheFolderBelowIt() {
        LayerListing upper = disk("usr OTHER");
        assertFalse(new RootFileSystem(List.of(MERGED_USR, upper)).executable("/sbin/init"));
    }

    @Test
    void aFileNobodyMayExecuteOrASymlinkLoopIsNoInit() {
        assertFalse(new RootFileSystem(List.of(disk("sbin FOLDER", "sbin/init OTHER"))).executable("/sbin/init"));
        assertFalse(
                new RootFileSystem(List.of(disk("sbin FOLDER", "sbin/init SYMLINK init"))).executable("/sbin/init"));
        assertFalse(new RootFileSystem(List.of(disk("bin FOLDER"))).executable("/sbin/init"));
    }
}
