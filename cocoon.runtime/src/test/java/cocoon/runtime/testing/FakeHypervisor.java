package cocoon.runtime.testing;

import cocoon.api.Availability;
import cocoon.api.Hypervisor;
import cocoon.api.MachineFacts;
import cocoon.api.PluginContext;
import cocoon.api.VmPaths;
import cocoon.api.VmRecord;
import cocoon.api.VmState;
import cocoon.api.VmmProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** A hypervisor that runs nothing: it says whether it could, and its launches only run a test's check. */
public final class FakeHypervisor implements Hypervisor {

    public static final long PID = 4242;

    private final String name;
    private final int preference;
    private final boolean usable;
    /** What {@link #machine} answers; null: it cannot tell, as a driver that cannot save state. */
    public MachineFacts machine;
    /** Runs inside {@link #launch}, that is while start holds its locks. */
    public Consumer<VmRecord> whileLaunching = vm -> {};
    /** How many launches booted a guest. */
    public int boots;
    /** The state folders launches loaded instead of booting, in order. */
    public final List<Path> loadedStates = new ArrayList<>();

    public FakeHypervisor(String name, int preference, boolean usable) {
        this.name = name;
        this.preference = preference;
        this.usable = usable;
    }

    public Hypervisor.Provider provider() {
        return new Hypervisor.Provider() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public int preference() {
                return preference;
            }

            @Override
            public Hypervisor open(PluginContext context) {
                return FakeHypervisor.this;
            }
        };
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Availability check() {
        return usable ? Availability.ok(name + " can run here") : Availability.missing("install " + name);
    }

    @Override
    public Map<String, String> options(Map<String, String> requested) {
        return requested;
    }

    /** Its state and power-off are its own (below): no process machinery behind it. */
    @Override
    public VmmProcess process(VmPaths paths) {
        throw new UnsupportedOperationException("a fake VM has no process");
    }

    @Override
    public List<String> command(VmRecord vm, VmPaths paths) {
        return List.of(name, vm.name());
    }

    @Override
    public long launch(VmRecord vm, VmPaths paths) {
        whileLaunching.accept(vm);
        boots++;
        return PID;
    }

    @Override
    public long launchFromState(VmRecord vm, VmPaths paths, Path stateFolder) {
        whileLaunching.accept(vm);
        loadedStates.add(stateFolder);
        return PID;
    }

    @Override
    public VmState state(VmRecord vm, VmPaths paths) {
        return vm.state() == VmState.RUNNING ? VmState.RUNNING : VmState.STOPPED;
    }

    @Override
    public void powerOff(VmRecord vm, VmPaths paths, Duration timeout, boolean force) {}

    @Override
    public MachineFacts machine(VmRecord vm) {
        return machine != null ? machine : Hypervisor.super.machine(vm);
    }

    @Override
    public Path console(VmRecord vm, VmPaths paths) {
        throw new UnsupportedOperationException("a fake VM has no console");
    }
}
