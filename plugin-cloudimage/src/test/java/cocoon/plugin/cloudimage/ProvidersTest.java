package cocoon.plugin.cloudimage;

import cocoon.api.Availability;
import cocoon.api.ConflictException;
import cocoon.api.DiskBuilder;
import cocoon.api.ImageSource;
import cocoon.api.PullOptions;
import cocoon.api.Setting;
import cocoon.plugin.cloudimage.disk.OverlayDiskBuilderProvider;
import cocoon.plugin.cloudimage.download.PartFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProvidersTest {

    @TempDir
    Path dir;

    @Test
    void bothProvidersAreFoundByServiceLoaderUnderKindCloudimg() {
        ImageSource.Provider source = ServiceLoader.load(ImageSource.Provider.class).stream()
                .map(ServiceLoader.Provider::get).filter(p -> p.kind().equals("cloudimg")).findFirst().orElseThrow();
        DiskBuilder.Provider disks = ServiceLoader.load(DiskBuilder.Provider.class).stream()
                .map(ServiceLoader.Provider::get).filter(p -> p.kind().equals("cloudimg")).findFirst().orElseThrow();

        assertEquals("cloudimg", disks.kind());
        List<String> keys = Stream.concat(source.settings().stream(), disks.settings().stream()).map(Setting::key).toList();
        assertEquals(List.of("connect_timeout", "read_timeout", "max_redirects", "max_size", "min_free", "convert_timeout",
                "overlay_timeout", "seed_timeout"), keys);
    }

    @Test
    void checkFindsTheToolsOfThisHost() {
        PullFixture store = new PullFixture(dir);

        assertTrue(store.source.check().usable(), store.source.check().detail());
        Availability builder = new OverlayDiskBuilderProvider().open(store.context).check();
        assertEquals("qemu-img, mkfs.vfat and mcopy found", builder.detail());
    }

    @Test
    void aUrlIsFoundAsThePullStoredIt() {
        PullFixture store = new PullFixture(dir);

        assertEquals("https://images.example/disk.qcow2", store.source.canonical(" https://images.example/disk.qcow2 "));
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
