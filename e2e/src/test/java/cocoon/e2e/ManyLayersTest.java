package cocoon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.plugin.oci.testing.RegistryFixture;
import cocoon.plugin.oci.testing.TestLayer;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 40-layer image, more than q35 has PCI slots for one disk per layer, boots: the demo's two layers and 38
 * more, one of which deletes a file of a layer that keeps its own disk.
 */
@Timeout(900)
class ManyLayersTest {

    private static final String VM = "forty";
    private static final int LAYERS = 40;
    /** What {@code DiskPlan} keeps: 15 layers with disks of their own, the rest merged into one. */
    private static final int LAYER_DISKS = 16;

    @TempDir
    Path dir;

    @Test
    void aFortyLayerImagePullsCreatesAndBootsToItsBanner() throws Exception {
        try (GuestFixture guest = GuestFixture.start(dir)) {
            List<RegistryFixture.Layer> layers = new ArrayList<>(guest.demoLayers());
            for (int i = layers.size(); i < LAYERS; i++) {
                TestLayer layer = new TestLayer()
                        .file("etc/layers/layer-%02d".formatted(i), "from layer %d\n".formatted(i), 0644, 0, 0);
                if (i == 30) {
                    layer.whiteout("etc/layers", "layer-05");
                }
                layers.add(layer.gzip());
            }
            guest.registry().pushImage("cocoon/forty", "latest", RegistryFixture.OCI_MANIFEST, layers);
            String image = guest.registry().host() + "/cocoon/forty:latest";
            CocoonCli cocoon = guest.cocoon();

            long pull = System.nanoTime();
            CocoonCli.Run pulled =
                    cocoon.run(Duration.ofMinutes(10), null, "pull", image).ok();
            GuestFixture.report("pull (40 layers)", pull);
            assertTrue(pulled.err().contains("the top 25 merged into one disk"), pulled.err());

            long create = System.nanoTime();
            guest.create(VM, image).ok();
            GuestFixture.report("create (40 layers)", create);
            JsonNode disks = guest.vm(VM).get("disks");
            assertEquals(LAYER_DISKS + 1, disks.size(), "16 layer disks and the COW disk: " + disks);

            long start = System.nanoTime();
            guest.start(VM).ok();
            guest.awaitConsole(VM, GuestFixture.BANNER, 1, GuestFixture.BOOT_TIMEOUT);
            GuestFixture.report("start to banner (40 layers)", start);
            assertTrue(guest.console(VM).contains("cocoon-hook: 16 layer(s) + COW mounted"), guest.console(VM));

            String out = guest.pipe(
                    VM,
                    "cat /etc/layers/layer-39 /etc/layers/layer-04; ls /etc/layers | wc -l; "
                            + "ls /etc/layers/layer-05\n");
            assertTrue(out.contains("from layer 39") && out.contains("from layer 4"), out);
            assertTrue(out.lines().map(String::strip).anyMatch("37"::equals), "38 files, one deleted: " + out);
            assertTrue(out.contains("/etc/layers/layer-05: No such file or directory"), out);
        }
    }
}
