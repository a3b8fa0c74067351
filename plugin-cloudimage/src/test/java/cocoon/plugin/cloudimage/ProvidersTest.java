package cocoon.plugin.cloudimage;

import cocoon.api.ConflictException;
import cocoon.api.Disk;
import cocoon.api.DiskBuilder;
import cocoon.api.DiskFormat;
import cocoon.api.Image;
import cocoon.api.ImageSource;
import cocoon.api.PullOptions;
import cocoon.api.VmDisks;
import cocoon.api.VmSpec;
import cocoon.plugin.cloudimage.download.PartFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProvidersTest {

    private static final VmSpec SPEC = new VmSpec("web", 1, 256L << 20, 64L << 20, "qemu", "auto",
            new VmSpec.CloudInit("alice", "secret", List.of()));

    @TempDir
    Path dir;

    @Test
    void theDiskBuilderFoundUnderTheSourcesKindBuildsOverlaysForItsImages() throws Exception {
        ImageSource.Provider sources = ServiceLoader.load(ImageSource.Provider.class).stream()
                .map(ServiceLoader.Provider::get).filter(p -> p.kind().equals("cloudimg")).findFirst().orElseThrow();
        PullFixture store = new PullFixture(dir);
        Image image;
        try (ImageServer server = ImageServer.http()) {
            server.file("/disk.raw", TestImages.raw(5), false);
            image = sources.open(store.context).pull(server.url("/disk.raw"), PullOptions.defaults(), e -> { });
        }
        // The runtime picks a VM's disk builder by the kind its image carries, so that is the key to look up.
        DiskBuilder.Provider disks = ServiceLoader.load(DiskBuilder.Provider.class).stream()
                .map(ServiceLoader.Provider::get).filter(p -> p.kind().equals(image.kind())).findFirst()
                .orElseThrow(() -> new AssertionError("no disk builder serves images of kind " + image.kind()));

        VmDisks plan = disks.open(store.context).plan(image, SPEC, dir.resolve("vm"));

        Path base = image.baseDisks().get(0).path();
        assertEquals(List.of(
                new Disk(dir.resolve("vm/overlay.qcow2"), DiskFormat.QCOW2, false, "cocoon-root", base),
                new Disk(dir.resolve("vm/cidata.img"), DiskFormat.RAW, true, "cidata", null)), plan.disks());
        assertEquals("60", sources.defaultSettings().get("read_timeout"));
        assertEquals("30", sources.defaultSettings().get("connect_timeout"));
    }

    @Test
    void checkFindsTheToolsOfThisHost() {
        PullFixture store = new PullFixture(dir);

        assertTrue(store.source.check().usable(), store.source.check().detail());
    }

    @Test
    void secondPullOfTheSameUrlWhileOneRunsIsAConflict() {
        PullFixture store = new PullFixture(dir);
        String url = "http://127.0.0.1:9/disk.raw";

        try (PartFile running = PartFile.open(store.context.tmpDir(), url, store.context.json())) {
            ConflictException e = assertThrows(ConflictException.class,
                    () -> store.source.pull(url, PullOptions.defaults(), ev -> { }));
            assertEquals("another pull of " + url + " is in progress", e.getMessage());
            assertTrue(running.path().getFileName().toString().endsWith(".part"));
        }
    }
}
