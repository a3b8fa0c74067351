package cocoon.runtime.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import cocoon.api.VmRecord;
import cocoon.api.VmState;
import cocoon.runtime.images.ImageCatalog;
import cocoon.runtime.plugin.PluginCatalog;
import cocoon.runtime.plugin.Plugins;
import cocoon.runtime.store.LockScope;
import cocoon.runtime.store.VmStore;
import cocoon.runtime.testing.FakeDiskBuilder;
import cocoon.runtime.testing.FakeHypervisor;
import cocoon.runtime.testing.FakeSource;
import cocoon.runtime.testing.LockProbe;
import cocoon.runtime.testing.TestRoot;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The locks VM commands hold while they work: the vms store shared first, then the image store or the
 * VM's own lock, so the collector (which takes the vms store exclusively first) waits for them.
 */
class LifecycleLocksTest {

    @TempDir
    Path dir;

    private final FakeSource source = new FakeSource("img", ref -> true);
    private final FakeDiskBuilder builder = new FakeDiskBuilder("img");
    private final FakeHypervisor hypervisor = new FakeHypervisor("hv", 1, true);
    private TestRoot host;
    private Lifecycle lifecycle;
    private LockProbe probe;

    @BeforeEach
    void setUp() {
        host = new TestRoot(dir);
        PluginCatalog catalog = PluginCatalog.of(
                List.of(source.provider()), List.of(builder.provider()), List.of(hypervisor.provider()));
        Plugins plugins = host.plugins(catalog);
        lifecycle = new Lifecycle(host.vms(), new ImageCatalog(plugins), plugins, host.settings(catalog), line -> {});
        probe = new LockProbe(host.locks());
        source.add("img/demo", "sha256:" + "a".repeat(64));
    }

    private VmRecord create(String name) {
        return lifecycle.create(new CreateRequest(
                "img/demo", name, null, null, null, null, null, null, null, null, null, null, null, null));
    }

    @Test
    void createBuildsTheDisksHoldingTheVmsStoreAndTheImageStoreShared() throws Exception {
        builder.whileBuilding = () -> {
            probe.assertExclusiveWaits(VmStore.STORE);
            probe.assertExclusiveWaits(LockScope.imageStore("img"));
        };

        VmRecord created = create("web");

        probe.awaitAll();
        assertEquals(VmState.CREATED, created.state());
    }

    @Test
    void startLaunchesHoldingTheVmsStoreSharedAndTheVmsOwnLockExclusively() throws Exception {
        VmRecord created = create("web");
        hypervisor.whileLaunching = vm -> {
            probe.assertSharedWaits(VmStore.vmLock(created.id()));
            probe.assertExclusiveWaits(VmStore.STORE);
        };

        VmRecord started = lifecycle.start("web");

        probe.awaitAll();
        assertEquals(VmState.RUNNING, started.state());
        assertEquals(FakeHypervisor.PID, started.pid());
    }
}
