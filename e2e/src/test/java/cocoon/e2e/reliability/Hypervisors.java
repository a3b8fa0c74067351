package cocoon.e2e.reliability;

import cocoon.e2e.CocoonCli;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;

/** Hypervisor processes of a VM (the Cloud Hypervisor double or QEMU), found by the VM's run folder on their command line. */
final class Hypervisors {

    private Hypervisors() {}

    static List<ProcessHandle> of(CocoonCli cocoon, String id) {
        String runDir = cocoon.runDir().resolve(id).toString();
        return ProcessHandle.allProcesses()
                .filter(p -> p.info()
                        .commandLine()
                        .map(line -> (line.contains("FakeCloudHypervisor") || line.contains("qemu-system"))
                                && line.contains(runDir + "/"))
                        .orElse(false))
                .toList();
    }

    static void requireNone(CocoonCli cocoon, String id) {
        requireCount(cocoon, id, 0);
    }

    static void requireCount(CocoonCli cocoon, String id, int expected) {
        List<ProcessHandle> found = of(cocoon, id);
        if (found.size() != expected) {
            throw new AssertionError(
                    expected + " hypervisor process(es) expected for VM " + id + ", found " + found.size() + ": "
                            + found.stream().map(ProcessHandle::pid).toList());
        }
    }

    /** {@code ps} says running exactly when one hypervisor process of the VM is alive. */
    static void requireStateMatchesProcess(CocoonCli cocoon, String name, String id) throws Exception {
        String state = "";
        for (var vm : new ObjectMapper()
                .readTree(cocoon.run("ps", "--format", "json").ok().out())) {
            if (vm.path("name").asText().equals(name)) {
                state = vm.path("state").asText();
            }
        }
        int alive = of(cocoon, id).size();
        if (alive > 1 || state.equalsIgnoreCase("running") != (alive == 1)) {
            throw new AssertionError(
                    "ps says VM " + name + " is '" + state + "' while " + alive + " hypervisor process(es) run");
        }
    }
}
