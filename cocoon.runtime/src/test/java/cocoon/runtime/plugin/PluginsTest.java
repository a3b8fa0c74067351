package cocoon.runtime.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cocoon.api.Availability;
import cocoon.api.Hypervisor;
import cocoon.api.InvalidInputException;
import cocoon.api.Network;
import cocoon.api.NotFoundException;
import cocoon.api.VmNetwork;
import cocoon.api.VmRecord;
import cocoon.runtime.store.LockScope;
import cocoon.runtime.testing.FakeDiskBuilder;
import cocoon.runtime.testing.FakeHypervisor;
import cocoon.runtime.testing.FakeSource;
import cocoon.runtime.testing.LockProbe;
import cocoon.runtime.testing.TestRoot;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which hypervisor a VM gets, what doctor lists, and the locks each plugin is opened with. */
class PluginsTest {

    @TempDir
    Path dir;

    private Plugins plugins(FakeHypervisor... hypervisors) {
        return new TestRoot(dir)
                .plugins(PluginCatalog.of(
                        List.of(),
                        List.of(),
                        Arrays.stream(hypervisors).map(FakeHypervisor::provider).toList()));
    }

    @Test
    void autoChoosesTheMostPreferredHypervisorThatCanRunHere() {
        FakeHypervisor best = new FakeHypervisor("best", 100, false);
        FakeHypervisor good = new FakeHypervisor("good", 50, true);
        FakeHypervisor fallback = new FakeHypervisor("fallback", 10, true);

        assertSame(good, plugins(fallback, best, good).chooseHypervisor("auto"));
        assertSame(fallback, plugins(fallback, best).chooseHypervisor("auto"));
    }

    @Test
    void autoNetworkTakesTheMostPreferredModeTheHypervisorCanUseAndSaysWhatItPassedOver() {
        FakeHypervisor hypervisor = new FakeHypervisor("hv", 1, true);
        Plugins plugins = new TestRoot(dir)
                .plugins(PluginCatalog.of(
                        List.of(),
                        List.of(),
                        List.of(hypervisor.provider()),
                        List.of(
                                new FakeNetwork("fallback", 0, true),
                                new FakeNetwork("fast", 100, false),
                                new FakeNetwork("good", 50, true))));

        Plugins.NetworkChoice auto = plugins.chooseNetwork("auto", plugins.hypervisor("hv"));
        assertEquals("good", auto.network().mode());
        assertEquals(List.of("fast: fast cannot serve hv"), auto.passedOver());

        Plugins.NetworkChoice named = plugins.chooseNetwork("fast", plugins.hypervisor("hv"));
        assertEquals("fast", named.network().mode());
        assertEquals(List.of(), named.passedOver());
    }

    /** A mode that can serve every hypervisor or none. */
    private static final class FakeNetwork extends Network.Registration {
        FakeNetwork(String mode, int preference, boolean usable) {
            super(mode, preference, List.of(), context -> new Network() {
                @Override
                public String mode() {
                    return mode;
                }

                @Override
                public Availability availability(Hypervisor hypervisor) {
                    return usable
                            ? Availability.ok(mode)
                            : Availability.missing(mode + " cannot serve " + hypervisor.name());
                }

                @Override
                public VmNetwork plan(Request request) {
                    return VmNetwork.none();
                }

                @Override
                public VmNetwork beforeStart(VmRecord vm) {
                    throw new UnsupportedOperationException();
                }
            });
        }
    }

    @Test
    void aNamedHypervisorIsChosenEvenWhereItCannotRunSoStartSaysWhy() {
        FakeHypervisor missing = new FakeHypervisor("missing", 100, false);
        FakeHypervisor usable = new FakeHypervisor("usable", 50, true);

        assertSame(missing, plugins(missing, usable).chooseHypervisor("missing"));
    }

    @Test
    void anUnknownHypervisorIsRefusedWithTheNamesToChooseFrom() {
        Plugins plugins = plugins(new FakeHypervisor("one", 2, true), new FakeHypervisor("two", 1, true));

        InvalidInputException error =
                assertThrows(InvalidInputException.class, () -> plugins.chooseHypervisor("three"));

        assertEquals("unknown hypervisor 'three'", error.getMessage());
        assertEquals("choose one of: auto, one, two", error.hint());
    }

    @Test
    void whenNoHypervisorCanRunHereAutoPointsAtDoctor() {
        NotFoundException none = assertThrows(
                NotFoundException.class,
                () -> plugins(new FakeHypervisor("one", 1, false)).chooseHypervisor("auto"));
        NotFoundException uninstalled =
                assertThrows(NotFoundException.class, () -> plugins().chooseHypervisor("auto"));

        assertEquals("no hypervisor can run VMs on this host", none.getMessage());
        assertEquals("run cocoon doctor to see what to install", none.hint());
        assertEquals("no hypervisor plugin is installed", uninstalled.hint());
    }

    @Test
    void doctorHasOneLinePerImageSourceDiskBuilderAndHypervisor() {
        PluginCatalog catalog = PluginCatalog.of(
                List.of(new FakeSource("img", ref -> true).provider()),
                List.of(new FakeDiskBuilder("img").provider()),
                List.of(new FakeHypervisor("hv", 1, false).provider()));

        Map<String, Availability> lines = new TestRoot(dir).plugins(catalog).doctor();

        assertEquals(List.of("image source img", "disk builder img", "hypervisor hv"), List.copyOf(lines.keySet()));
        assertEquals("fake disk builder img", lines.get("disk builder img").detail());
        assertEquals(Availability.missing("install hv"), lines.get("hypervisor hv"));
    }

    @Test
    @SuppressWarnings("try") // the test holds each lock for its block; the bodies never name them
    void anImageSourceAndItsDiskBuilderAreHandedTheStoreLockTheCollectorTakes() throws Exception {
        FakeSource source = new FakeSource("img", ref -> true);
        FakeDiskBuilder builder = new FakeDiskBuilder("img");
        TestRoot host = new TestRoot(dir);
        Plugins plugins =
                host.plugins(PluginCatalog.of(List.of(source.provider()), List.of(builder.provider()), List.of()));
        plugins.source("img");
        plugins.diskBuilder("img");
        LockProbe probe = new LockProbe(host.locks());

        try (var gc = host.locks().exclusive(LockScope.imageStore("img"))) {
            probe.assertWaits(
                    "the source's store lock",
                    () -> source.context.locks().store().shared());
            probe.assertWaits(
                    "the disk builder's store lock",
                    () -> builder.context.locks().store().shared());
        }
        try (var index = source.context.locks().own("index").exclusive()) {
            probe.assertFree(
                    "the disk builder's own lock of the same name",
                    () -> builder.context.locks().own("index").exclusive());
        }
        probe.awaitAll();
    }
}
