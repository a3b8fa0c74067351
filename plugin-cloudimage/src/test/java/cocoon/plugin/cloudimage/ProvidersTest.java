package cocoon.plugin.cloudimage;

import cocoon.api.Availability;
import cocoon.api.ConflictException;
import cocoon.api.DiskBuilder;
import cocoon.api.ImageSource;
import cocoon.api.PullOptions;
import cocoon.plugin.cloudimage.disk.OverlayDiskBuilderProvider;
import cocoon.plugin.cloudimage.download.PartFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ServiceLoader;

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

        assertEquals("60", source.defaultSettings().get("read_timeout"));
        assertEquals("30", source.defaultSettings().get("connect_timeout"));
        assertEquals("cloudimg", disks.kind());
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
