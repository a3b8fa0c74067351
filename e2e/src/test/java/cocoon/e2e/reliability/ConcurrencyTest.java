package cocoon.e2e.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import cocoon.e2e.CocoonCli;
import cocoon.e2e.LockTable;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many cocoon processes on one store at once, started together and seen racing for its locks; every
 * round ends with the invariants checked.
 */
@Tag("reliability")
class ConcurrencyTest {

    private static final int ROUNDS = Integer.getInteger("reliability.concurrency.rounds", 4);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How many commands were in the store at once, per round of the running test. */
    private static final List<Integer> RACES = new ArrayList<>();

    @TempDir
    static Path dir;

    @RegisterExtension
    static final PulledStore store = new PulledStore("race/vm", () -> dir);

    @Test
    void createsWithOneNameHaveExactlyOneWinner() throws Exception {
        int contenders = 6;
        rounds(
                "create x" + contenders + " with one name",
                contenders
                        + " processes create a VM named alike (with a gc running too): exactly one exits 0, the others say the name is taken, ps lists the name once",
                round -> {
                    List<String> problems = new ArrayList<>();
                    List<String[]> commands = new ArrayList<>();
                    for (int i = 0; i < contenders; i++) {
                        commands.add(create("same" + round));
                    }
                    commands.add(new String[] {"gc", "--horizon", "0s"});
                    List<CocoonCli.Run> runs = together(commands);
                    long winners = runs.subList(0, contenders).stream()
                            .filter(r -> r.exit() == 0)
                            .count();
                    if (winners != 1) {
                        problems.add(winners + " creates succeeded: " + runs);
                    }
                    runs.subList(0, contenders).stream()
                            .filter(r -> r.exit() != 0 && !r.err().contains("already exists"))
                            .forEach(r -> problems.add(
                                    "a losing create said: " + r.err().strip()));
                    long named = ps().stream()
                            .filter(vm -> vm.path("name").asText().equals("same" + round))
                            .count();
                    if (named != 1) {
                        problems.add("ps lists " + named + " VMs named same" + round);
                    }
                    return problems;
                });
    }

    @Test
    void twoStartsOfOneVmLaunchOneHypervisor() throws Exception {
        rounds(
                "start x2 of one VM",
                "two processes start one VM (Cloud Hypervisor double): one exits 0, the other says it is running, exactly one hypervisor process exists",
                round -> {
                    List<String> problems = new ArrayList<>();
                    String name = "twice" + round;
                    store.cocoon().run(create(name)).ok();
                    String id = id(name);
                    List<CocoonCli.Run> runs =
                            together(List.of(new String[] {"start", name}, new String[] {"start", name}));
                    long ok = runs.stream().filter(r -> r.exit() == 0).count();
                    if (ok != 1) {
                        problems.add(ok + " starts succeeded: " + runs);
                    }
                    runs.stream()
                            .filter(r -> r.exit() != 0 && !r.err().contains("already running"))
                            .forEach(r -> problems.add(
                                    "the losing start said: " + r.err().strip()));
                    int alive = Hypervisors.of(store.cocoon(), id).size();
                    if (alive != 1) {
                        problems.add(alive + " hypervisor processes for one VM");
                    }
                    store.cocoon().run("rm", "--force", name).ok();
                    return problems;
                });
    }

    @Test
    void rmWhileStartNeverOrphansAHypervisor() throws Exception {
        rounds(
                "rm while start",
                "rm and start of one VM at once: either the VM is gone and no hypervisor runs, or it stays with exactly one hypervisor and rm said it is running",
                round -> {
                    List<String> problems = new ArrayList<>();
                    String name = "rmstart" + round;
                    store.cocoon().run(create(name)).ok();
                    String id = id(name);
                    List<CocoonCli.Run> runs =
                            together(List.of(new String[] {"start", name}, new String[] {"rm", name}));
                    boolean exists =
                            ps().stream().anyMatch(vm -> vm.path("id").asText().equals(id));
                    int alive = Hypervisors.of(store.cocoon(), id).size();
                    if (!exists && alive != 0) {
                        problems.add("VM removed but " + alive + " hypervisor process(es) still run: " + runs);
                    }
                    if (exists && (alive != 1 || !runs.get(1).err().contains("is running"))) {
                        problems.add("VM kept with " + alive + " hypervisor process(es): " + runs);
                    }
                    for (CocoonCli.Run run : runs) {
                        if (run.exit() != 0 && !run.err().startsWith("cocoon: ")) {
                            problems.add("an unclear error: " + run.err());
                        }
                    }
                    store.cocoon().run("rm", "--force", name);
                    return problems;
                });
    }

    @Test
    void pullsOfOneImageWithGcInTheMiddle() throws Exception {
        rounds(
                "pull x2 of one image + gc",
                "two processes pull the same new image while a third runs gc: both end with exit 0 (or a one-line conflict), list shows the image once",
                round -> {
                    List<String> problems = new ArrayList<>();
                    String ref = Images.push(store.registry(), "race/pull", "p" + round, 500 + round, 2 << 20);
                    List<CocoonCli.Run> runs = together(List.of(
                            new String[] {"pull", "--quiet", ref},
                            new String[] {"pull", "--quiet", ref},
                            new String[] {"gc", "--horizon", "0s"}));
                    for (CocoonCli.Run run : runs) {
                        if (run.exit() != 0
                                && !(run.err().startsWith("cocoon: ")
                                        && run.err().strip().lines().count() == 1)) {
                            problems.add("exit " + run.exit() + ": " + run.err().strip());
                        }
                    }
                    if (runs.get(0).exit() != 0 && runs.get(1).exit() != 0) {
                        problems.add("neither pull succeeded: " + runs);
                    }
                    long listed = 0;
                    for (JsonNode entry : JSON.readTree(
                            store.cocoon().run("list", "--format", "json").ok().out())) {
                        if (entry.path("reference").asText().endsWith("race/pull:p" + round)) {
                            listed++;
                        }
                    }
                    if (listed != 1) {
                        problems.add("list shows the image " + listed + " times");
                    }
                    return problems;
                });
    }

    @Test
    void createsAndRmsRacingGcNeverLoseARecord() throws Exception {
        rounds(
                "creates + rms + gc",
                "4 creates of distinct names, 2 rms of older VMs and a gc at once: every create that exited 0 is listed with all its files, every rm'd VM is gone",
                round -> {
                    List<String> problems = new ArrayList<>();
                    store.cocoon().run(create("old-a" + round)).ok();
                    store.cocoon().run(create("old-b" + round)).ok();
                    List<String[]> commands = new ArrayList<>();
                    for (int i = 0; i < 4; i++) {
                        commands.add(create("new" + i + "-" + round));
                    }
                    commands.add(new String[] {"rm", "old-a" + round});
                    commands.add(new String[] {"rm", "old-b" + round});
                    commands.add(new String[] {"gc", "--horizon", "0s"});
                    List<CocoonCli.Run> runs = together(commands);
                    List<JsonNode> vms = ps();
                    for (int i = 0; i < runs.size(); i++) {
                        if (runs.get(i).exit() != 0) {
                            problems.add(String.join(" ", commands.get(i)) + ": "
                                    + runs.get(i).err().strip());
                        }
                    }
                    for (int i = 0; i < 4; i++) {
                        String name = "new" + i + "-" + round;
                        if (vms.stream()
                                .noneMatch(vm -> vm.path("name").asText().equals(name))) {
                            problems.add("lost VM " + name);
                        }
                    }
                    if (vms.stream().anyMatch(vm -> vm.path("name").asText().startsWith("old-"))) {
                        problems.add("an rm'd VM is still listed");
                    }
                    for (int i = 0; i < 4; i++) {
                        store.cocoon().run("rm", "new" + i + "-" + round).ok();
                    }
                    return problems;
                });
    }

    private interface Round {
        List<String> run(int round) throws Exception;
    }

    private static void rounds(String name, String what, Round body) throws Exception {
        List<String> failures = new ArrayList<>();
        int passed = 0;
        long started = System.nanoTime();
        RACES.clear();
        StoreInvariants invariants = new StoreInvariants(store.cocoon());
        for (int round = 0; round < ROUNDS; round++) {
            List<String> problems = new ArrayList<>(body.run(round));
            problems.addAll(invariants.check());
            problems.addAll(invariants.checkCollected());
            if (problems.isEmpty()) {
                passed++;
            } else {
                failures.add("round " + round + ": " + problems);
            }
        }
        if (RACES.stream().allMatch(atOnce -> atOnce < 2)) {
            // One round may legitimately not overlap (rm can finish before start has resolved the name);
            // commands that never met in any round prove nothing about a race.
            failures.add(
                    "in none of the " + ROUNDS + " rounds were two commands in the store at once (holding or awaiting"
                            + " a store lock): they ran one after another, so nothing raced");
        }
        Results.record(
                "concurrency",
                name,
                what + "; the commands are seen in the store (holding or awaiting its locks) at the same moment; "
                        + "then the store invariants hold and gc leaves nothing unreferenced",
                ROUNDS,
                passed,
                "%.1f s per round; most commands in the store at once, per round: %s"
                        .formatted((System.nanoTime() - started) / 1e9 / ROUNDS, RACES));
        assertEquals(List.of(), failures);
    }

    /** {@code create} of a small Cloud Hypervisor (double) VM without a network card, as every race here makes them. */
    private static String[] create(String name) {
        return new String[] {
            "create",
            "--network",
            "none",
            "--name",
            name,
            "--hypervisor",
            "chv",
            "--memory",
            "256M",
            "--storage",
            "64M",
            store.image()
        };
    }

    /**
     * Starts every command before waiting for any, so they overlap as much as two cores allow, and
     * records how many of them were seen in the store at once (holding or awaiting a store lock).
     */
    private static List<CocoonCli.Run> together(List<String[]> commands) throws Exception {
        List<Process> processes = new ArrayList<>();
        List<CocoonCli.Run> runs = new ArrayList<>();
        LockTable.Watch watch = LockTable.Watch.start(store.cocoon().root());
        try {
            for (String[] command : commands) {
                processes.add(store.cocoon().spawn(command));
            }
            for (Process process : processes) {
                if (!process.waitFor(3, TimeUnit.MINUTES)) {
                    CocoonCli.kill(process);
                }
                runs.add(store.cocoon().collect(process));
            }
        } finally {
            // Before reading what it saw: the sampler may still be writing.
            watch.close();
        }
        RACES.add(watch.mostAtOnce());
        return runs;
    }

    private static List<JsonNode> ps() throws Exception {
        List<JsonNode> vms = new ArrayList<>();
        JSON.readTree(store.cocoon().run("ps", "--format", "json").ok().out()).forEach(vms::add);
        return vms;
    }

    private static String id(String name) throws Exception {
        return ps().stream()
                .filter(vm -> vm.path("name").asText().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no VM " + name))
                .path("id")
                .asText();
    }
}
