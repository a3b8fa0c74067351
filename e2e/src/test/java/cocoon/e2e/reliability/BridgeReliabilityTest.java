package cocoon.e2e.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import cocoon.e2e.CocoonCli;
import cocoon.e2e.LockTable;
import cocoon.plugin.oci.testing.RegistryFixture;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bridge networking under races and hostile {@code --publish} values, every command inside a network namespace
 * the test makes ({@link BridgeStore}): concurrent creates never share an address, and a refused port rule
 * leaves nothing on the host and no lease.
 */
@Tag("reliability")
class BridgeReliabilityTest {

    private static final int CREATES = 8;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private static RegistryFixture registry;
    private static BridgeStore bridge;

    @BeforeAll
    static void bridgeInANamespace() throws Exception {
        registry = RegistryFixture.start(Files.createDirectories(dir.resolve("registry")));
        bridge = BridgeStore.open(dir, registry, "race");
    }

    @AfterAll
    static void removeEverything() throws Exception {
        try {
            if (bridge != null) {
                bridge.close();
            }
        } finally {
            if (registry != null) {
                registry.close();
            }
        }
    }

    @Test
    void concurrentCreatesOnOneBridgeGetDistinctAddressesAndConcurrentRmsLeaveNoLease() throws Exception {
        long started = System.nanoTime();
        List<String> problems = new ArrayList<>();
        List<String[]> creates = new ArrayList<>();
        for (int i = 0; i < CREATES; i++) {
            creates.add(bridge.create("race" + i));
        }
        LockTable.Watch creating = LockTable.Watch.start(bridge.cocoon().root());
        List<CocoonCli.Run> created;
        try {
            created = together(creates);
        } finally {
            creating.close();
        }
        created.stream()
                .filter(run -> run.exit() != 0)
                .forEach(run -> problems.add("a create failed: " + run.err().strip()));
        Set<String> addresses = new TreeSet<>();
        for (int i = 0; i < CREATES; i++) {
            JsonNode network = bridge.network("race" + i);
            addresses.add(network.path("address").asText());
        }
        if (addresses.size() != CREATES) {
            problems.add(CREATES + " VMs got " + addresses.size() + " distinct addresses: " + addresses);
        }
        if (bridge.leases().size() != CREATES) {
            problems.add(CREATES + " VMs hold " + bridge.leases().size() + " leases: " + bridge.leases());
        }
        if (creating.mostAtOnce() < 2) {
            problems.add("no two creates were seen in the store at once: nothing raced");
        }

        List<String[]> rms = new ArrayList<>();
        for (int i = 0; i < CREATES; i++) {
            rms.add(new String[] {"rm", "race" + i});
        }
        LockTable.Watch removing = LockTable.Watch.start(bridge.cocoon().root());
        try {
            together(rms).stream()
                    .filter(run -> run.exit() != 0)
                    .forEach(run -> problems.add("an rm failed: " + run.err().strip()));
        } finally {
            removing.close();
        }
        if (!bridge.leases().isEmpty()) {
            problems.add("leases left after every VM was removed: " + bridge.leases());
        }
        problems.addAll(bridge.strays());
        problems.addAll(new StoreInvariants(bridge.cocoon()).check());
        problems.addAll(new StoreInvariants(bridge.cocoon()).checkCollected());
        Results.record(
                "concurrency",
                "create x" + CREATES + " then rm x" + CREATES + " on one bridge",
                CREATES + " processes create a --network bridge VM each on one bridge (in a network namespace), then "
                        + CREATES + " processes remove them: every create exits 0, inspect shows " + CREATES
                        + " distinct addresses, one lease each; after the rms no lease, TAP or rule is left; the creates are seen in the store at the same moment",
                1,
                problems.isEmpty() ? 1 : 0,
                "%.1f s; most creates in the store at once: %d, most rms: %d; addresses %s"
                        .formatted(
                                (System.nanoTime() - started) / 1e9,
                                creating.mostAtOnce(),
                                removing.mostAtOnce(),
                                addresses));
        assertEquals(List.of(), problems);
    }

    @Test
    void hostilePublishedPortsAreRefusedInOneLineWithNothingApplied() throws Exception {
        Map<String, Refusal> cases = new LinkedHashMap<>();
        cases.put("port 0", new Refusal("ports are numbers from 1 to 65535", bridge.create("p0", "-p", "0:80")));
        cases.put(
                "port 70000", new Refusal("ports are numbers from 1 to 65535", bridge.create("p7", "-p", "70000:80")));
        cases.put("abc", new Refusal("is not a port rule", bridge.create("pa", "-p", "abc")));
        cases.put(
                "host IP not on this host",
                new Refusal(
                        "203.0.113.9 is not an address of this host",
                        bridge.create("pi", "-p", "203.0.113.9:8080:80")));
        cases.put(
                "one host port twice in one VM",
                new Refusal("names host port 8080/tcp twice", bridge.create("pd", "-p", "8080:80", "-p", "8080:81")));
        List<String> problems = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        int passed = 0;
        for (var entry : cases.entrySet()) {
            int before = problems.size();
            refuse(entry.getKey(), entry.getValue(), problems, notes);
            String vms =
                    bridge.cocoon().run("ps", "--format", "json").ok().out().strip();
            if (!bridge.leases().isEmpty() || !JSON.readTree(vms).isEmpty()) {
                problems.add(entry.getKey() + ": a VM or a lease was left: " + vms + ", " + bridge.leases());
            }
            passed += problems.size() == before ? 1 : 0;
        }

        bridge.cocoon().run(bridge.create("first", "-p", "127.0.0.1:8090:80")).ok();
        bridge.cocoon().run(bridge.create("second", "-p", "127.0.0.1:8090:80")).ok();
        try {
            bridge.cocoon().run("start", "first").ok();
            List<String> taps = bridge.taps();
            List<String> rules = bridge.dnatRules();
            int before = problems.size();
            refuse(
                    "one host port in two VMs",
                    new Refusal(
                            "host port 127.0.0.1:8090/tcp published by VM second is published by running VM first",
                            "start",
                            "second"),
                    problems,
                    notes);
            if (!bridge.taps().equals(taps) || !bridge.dnatRules().equals(rules)) {
                problems.add("the refused start changed the host: TAPs " + taps + " -> " + bridge.taps() + ", rules "
                        + rules + " -> " + bridge.dnatRules());
            }
            passed += problems.size() == before ? 1 : 0;
        } finally {
            bridge.cocoon().run("rm", "--force", "first", "second").ok();
        }

        bridge.cocoon().run(bridge.create("third", "-p", "127.0.0.1:8097:80")).ok();
        Process holder = bridge.portHolder(8097);
        try {
            int before = problems.size();
            refuse(
                    "host port held by a program",
                    new Refusal(
                            "host port 127.0.0.1:8097/tcp published by VM third is in use, held by python3 (pid "
                                    + holder.pid() + ")",
                            "start",
                            "third"),
                    problems,
                    notes);
            passed += problems.size() == before ? 1 : 0;
        } finally {
            holder.destroyForcibly().waitFor();
            bridge.cocoon().run("rm", "--force", "third").ok();
        }
        problems.addAll(bridge.strays());
        problems.addAll(new StoreInvariants(bridge.cocoon()).check());
        Results.record(
                "hostile input",
                "published ports in bridge mode",
                "create --network bridge with -p 0:80, 70000:80, abc, a host IP not on this host, one host port twice; and"
                        + " start of a second VM publishing the host port a running VM publishes, and of one whose host"
                        + " port a program holds (named with its pid); each exits 1 or 2 with one 'cocoon: ' line giving"
                        + " that case's reason, and no VM, lease, TAP or DNAT rule is added",
                cases.size() + 2,
                passed,
                problems.isEmpty() ? String.join("<br>", notes) : "FAILED: " + String.join("; ", problems));
        assertEquals(List.of(), problems);
    }

    @Test
    void gcListsThenTakesDownTheTapAndRuleOfAVmWhoseHypervisorDied() throws Exception {
        long started = System.nanoTime();
        String vm = "dies";
        List<String> problems = new ArrayList<>();
        String note = "";
        bridge.cocoon().run(bridge.create(vm, "-p", "127.0.0.1:8095:80")).ok();
        try {
            JsonNode created = bridge.network(vm);
            String tap = created.path("tap").asText();
            String address = created.path("address").asText().replaceFirst("/.*", "");
            bridge.cocoon().run("start", vm).ok();
            String id = JSON.readTree(bridge.cocoon().run("inspect", vm).ok().out())
                    .path("vm")
                    .path("id")
                    .asText();
            for (ProcessHandle qemu : Hypervisors.of(bridge.cocoon(), id)) {
                qemu.destroyForcibly();
                qemu.onExit().get(30, TimeUnit.SECONDS);
            }
            List<String> left = bridge.strays();
            if (!left.contains("TAP " + tap + " of no running VM")) {
                problems.add("after QEMU was killed the host did not hold its TAP: nothing to repair: " + left);
            }
            String dryRun = bridge.cocoon().run("gc", "--dry-run").ok().out();
            if (!dryRun.contains("would remove TAP " + tap) || !dryRun.contains("dnat to " + address + ":80")) {
                problems.add("gc --dry-run did not list the TAP and the rule: " + dryRun);
            }
            if (!bridge.strays().equals(left)) {
                problems.add("gc --dry-run changed the host: " + left + " -> " + bridge.strays());
            }
            String gc = bridge.cocoon().run("gc").ok().out();
            problems.addAll(bridge.strays());
            bridge.cocoon().run("start", vm).ok();
            JsonNode restarted = bridge.network(vm);
            if (!restarted.path("address").equals(created.path("address"))
                    || !restarted.path("mac").equals(created.path("mac"))) {
                problems.add("the VM came back as " + restarted + ", created as " + created);
            }
            if (!bridge.taps().contains(tap)
                    || bridge.dnatRules().stream().noneMatch(rule -> rule.endsWith("dnat to " + address + ":80"))) {
                problems.add("the restarted VM lacks its TAP or rule: " + bridge.taps() + " " + bridge.dnatRules());
            }
            note = "left by the dead QEMU: " + left + "; gc said: "
                    + gc.strip().lines().toList();
        } finally {
            bridge.cocoon().run("rm", "--force", vm).ok();
        }
        problems.addAll(bridge.strays());
        Results.record(
                "crash safety",
                "SIGKILL of a bridge VM's QEMU",
                "the QEMU of a running bridge VM with a port published on 127.0.0.1 is killed: its TAP, DNAT rule and"
                        + " running-ports record stay until gc --dry-run lists them (changing nothing) and gc removes them;"
                        + " start then brings the VM back with the same address and MAC, its TAP and its rule",
                1,
                problems.isEmpty() ? 1 : 0,
                "%.1f s; %s".formatted((System.nanoTime() - started) / 1e9, problems.isEmpty() ? note : problems));
        assertEquals(List.of(), problems);
    }

    @SuppressWarnings("ArrayRecordComponent") // an argv handed to the CLI as is, never compared
    private record Refusal(String reason, String... command) {}

    /** Runs a command that must be refused: exit 1 or 2, one 'cocoon: ' line with {@code reason}, no new TAP or rule. */
    private static void refuse(String name, Refusal refusal, List<String> problems, List<String> notes) {
        List<String> taps = bridge.taps();
        List<String> rules = bridge.dnatRules();
        long started = System.nanoTime();
        CocoonCli.Run run = bridge.cocoon().run(refusal.command());
        long millis = (System.nanoTime() - started) / 1_000_000;
        String err = run.err().strip();
        if (run.exit() != 1 && run.exit() != 2) {
            problems.add(name + ": exit " + run.exit() + " (stdout " + run.out().strip() + ")");
        }
        if (!err.startsWith("cocoon: ") || err.lines().count() != 1) {
            problems.add(name + ": not one 'cocoon: ' line: " + err);
        }
        if (!err.contains(refusal.reason())) {
            problems.add(name + ": refused, but not because '" + refusal.reason() + "': " + err);
        }
        if (!bridge.taps().equals(taps) || !bridge.dnatRules().equals(rules)) {
            problems.add(name + ": the host changed: TAPs " + bridge.taps() + ", rules " + bridge.dnatRules());
        }
        notes.add(name + " (" + millis + " ms): `" + err.replace("|", "\\|") + "`");
    }

    /** Starts every command before waiting for any, so they overlap as much as two cores allow. */
    private static List<CocoonCli.Run> together(List<String[]> commands) throws Exception {
        List<Process> processes = new ArrayList<>();
        for (String[] command : commands) {
            processes.add(bridge.cocoon().spawn(command));
        }
        List<CocoonCli.Run> runs = new ArrayList<>();
        for (Process process : processes) {
            if (!process.waitFor(3, TimeUnit.MINUTES)) {
                CocoonCli.kill(process);
            }
            runs.add(bridge.cocoon().collect(process));
        }
        return runs;
    }
}
