package cocoon.runtime.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cocoon.api.BootProblem;
import cocoon.api.UnbootableImageException;
import cocoon.runtime.images.ImageCatalog;
import cocoon.runtime.plugin.PluginCatalog;
import cocoon.runtime.plugin.Plugins;
import cocoon.runtime.testing.FakeDiskBuilder;
import cocoon.runtime.testing.FakeHypervisor;
import cocoon.runtime.testing.FakeSource;
import cocoon.runtime.testing.TestRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An image its source says no VM could boot is refused by create and run before anything is written. */
class UnbootableImageTest {

    @TempDir
    Path dir;

    private final FakeSource source = new FakeSource("img", ref -> true);
    private final FakeDiskBuilder builder = new FakeDiskBuilder("img");
    private TestRoot host;
    private Lifecycle lifecycle;

    @BeforeEach
    void setUp() {
        host = new TestRoot(dir);
        PluginCatalog catalog = PluginCatalog.of(
                List.of(source.provider()),
                List.of(builder.provider()),
                List.of(new FakeHypervisor("hv", 1, true).provider()));
        Plugins plugins = host.plugins(catalog);
        lifecycle = new Lifecycle(host.vms(), new ImageCatalog(plugins), plugins, host.settings(catalog), line -> {});
        source.add("img/demo", "sha256:" + "a".repeat(64));
        source.problems = List.of(
                new BootProblem(BootProblem.Kind.NO_KERNEL, "carries no kernel", "build a VM image"),
                new BootProblem(BootProblem.Kind.NO_INIT, "has no /sbin/init", "add an init"));
    }

    private static CreateRequest request() {
        return new CreateRequest(
                "img/demo", "web", null, null, null, null, null, null, null, null, null, null, null, null);
    }

    @Test
    void createRefusesWithTheFirstProblemInOneLineAndWritesNothing() throws Exception {
        builder.whileBuilding = () -> {
            throw new AssertionError("no disk may be built");
        };

        UnbootableImageException refused =
                assertThrows(UnbootableImageException.class, () -> lifecycle.create(request()));

        assertEquals("image img/demo carries no kernel", refused.getMessage());
        assertEquals(
                "pass --kernel REF or set [defaults] kernel to a pulled kernel image (build a VM image)",
                refused.hint());
        assertEquals(List.of(), host.vms().list());
        Path vms = host.root.resolve("vms");
        try (var folders = Files.exists(vms) ? Files.list(vms) : java.util.stream.Stream.<Path>empty()) {
            assertFalse(folders.findAny().isPresent(), "no VM folder");
        }
    }

    @Test
    void runRefusesAlike() {
        assertThrows(UnbootableImageException.class, () -> lifecycle.plan(request()));
    }
}
