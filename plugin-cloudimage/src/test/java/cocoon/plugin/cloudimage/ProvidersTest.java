package cocoon.plugin.cloudimage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.Availability;
import cocoon.api.ConflictException;
import cocoon.api.Disk;
import cocoon.api.DiskBuilder;
import cocoon.api.DiskFormat;
import cocoon.api.Image;
import cocoon.api.ImageSource;
import cocoon.api.PullOptions;
import cocoon.api.Setting;
import cocoon.api.VmDisks;
import cocoon.api.VmNetwork;
import cocoon.api.VmSpec;
import cocoon.plugin.cloudimage.disk.OverlayDiskBuilderProvider;
import cocoon.plugin.cloudimage.download.PartFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProvidersTest {

    private static final VmSpec SPEC = new VmSpec(
            "web",
            1,
            256L << 20,
            64L << 20,
            "qemu",
            Map.of(),
            new VmSpec.CloudInit("alice", "secret", List.of(), List.of()));

    @TempDir
    Path dir;

    @Test
    void bothProvidersAreFoundByServiceLoaderUnderKindCloudimg() {
        ImageSource.Provider source = ServiceLoader.load(ImageSource.Provider.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p.kind().equals("cloudimg"))
                .findFirst()
                .orElseThrow();
        DiskBuilder.Provider disks = ServiceLoader.load(DiskBuilder.Provider.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p.kind().equals("cloudimg"))
                .findFirst()
                .orElseThrow();

        assertEquals("cloudimg", disks.kind());
        List<String> keys = Stream.concat(source.settings().stream(), disks.settings().stream())
                .map(Setting::key)
                .toList();
        assertEquals(
                List.of(
                        "connect_timeout",
                        "read_timeout",
                        "max_redirects",
                        "max_size",
                        "min_free",
                        "convert_timeout",
                        "overlay_timeout",
                        "seed_timeout"),
                keys);
    }

    @Test
    void theDiskBuilderFoundUnderTheSourcesKindBuildsOverlaysForItsImages() throws Exception {
        ImageSource.Provider sources = ServiceLoader.load(ImageSource.Provider.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p.kind().equals("cloudimg"))
                .findFirst()
                .orElseThrow();
        PullFixture store = new PullFixture(dir);
        Image image;
        try (ImageServer server = ImageServer.http()) {
            server.file("/disk.raw", TestImages.raw(5), false);
            image = sources.open(store.context).pull(server.url("/disk.raw"), PullOptions.defaults(), e -> {});
        }
        // The runtime picks a VM's disk builder by the kind its image carries, so that is the key to look up.
        DiskBuilder.Provider disks = ServiceLoader.load(DiskBuilder.Provider.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p.kind().equals(image.kind()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no disk builder serves images of kind " + image.kind()));

        VmDisks plan = disks.open(store.context).plan(image, SPEC, VmNetwork.none(), dir.resolve("vm"));

        Path base = image.baseDisks().get(0).path();
        assertEquals(
                List.of(
                        new Disk(dir.resolve("vm/overlay.qcow2"), DiskFormat.QCOW2, false, "cocoon-root", base),
                        new Disk(dir.resolve("vm/cidata.img"), DiskFormat.RAW, true, "cidata", null)),
                plan.disks());
    }

    @Test
    void checkFindsTheToolsOfThisHost() {
        PullFixture store = new PullFixture(dir);

        assertTrue(store.source.check().usable(), store.source.check().detail());
        Availability builder =
                new OverlayDiskBuilderProvider().open(store.context).check();
        assertEquals("qemu-img, mkfs.vfat and mcopy found", builder.detail());
    }

    @Test
    void aUrlIsFoundAsThePullStoredIt() {
        PullFixture store = new PullFixture(dir);

        assertEquals(
                "https://images.example/disk.qcow2", store.source.canonical(" https://images.example/disk.qcow2 "));
    }

    @Test
    void secondPullOfTheSameUrlWhileOneRunsIsAConflict() {
        PullFixture store = new PullFixture(dir);
        String url = "http://127.0.0.1:9/disk.raw";

        try (PartFile running = PartFile.open(store.context.tmpDir(), url, store.context.json())) {
            ConflictException e = assertThrows(
                    ConflictException.class, () -> store.source.pull(url, PullOptions.defaults(), ev -> {}));
            assertEquals("another pull of " + url + " is in progress", e.getMessage());
            assertTrue(running.path().getFileName().toString().endsWith(".part"));
        }
    }
}
