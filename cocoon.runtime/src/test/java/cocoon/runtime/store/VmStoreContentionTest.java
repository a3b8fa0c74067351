package cocoon.runtime.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.VmRecord;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmStoreContentionTest {

    private static final int WORKERS = 4;
    private static final int ROUNDS = 12;

    @TempDir
    Path root;

    @Test
    void separateProcessesCreatingAndRemovingLoseNothingNeverShareANameAndLeaveEachNameItsVm() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<Process> workers = new ArrayList<>();
        List<BufferedReader> outputs = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            Process worker = new ProcessBuilder(
                            java,
                            "-cp",
                            System.getProperty("java.class.path"),
                            StoreWorker.class.getName(),
                            root.toString(),
                            "w" + w,
                            Integer.toString(ROUNDS),
                            Integer.toString(WORKERS))
                    .redirectErrorStream(true)
                    .start();
            workers.add(worker);
            outputs.add(new BufferedReader(new InputStreamReader(worker.getInputStream(), StandardCharsets.UTF_8)));
        }
        // Released only once every JVM is up, so the writes race instead of following each other's start-up.
        for (BufferedReader output : outputs) {
            assertEquals("ready", output.readLine());
        }
        for (Process worker : workers) {
            worker.getOutputStream().write('\n');
            worker.getOutputStream().close();
        }
        List<String> wins = new ArrayList<>();
        long lastFirstWrite = Long.MIN_VALUE;
        long firstLastWrite = Long.MAX_VALUE;
        for (int w = 0; w < WORKERS; w++) {
            List<String> out = outputs.get(w).lines().toList();
            assertTrue(workers.get(w).waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, workers.get(w).exitValue(), String.join("\n", out));
            out.stream().filter(l -> l.startsWith("won ")).forEach(wins::add);
            String[] ran = out.getLast().split(" ", -1);
            assertEquals("ran", ran[0], String.join("\n", out));
            lastFirstWrite = Math.max(lastFirstWrite, Long.parseLong(ran[1]));
            firstLastWrite = Math.min(firstLastWrite, Long.parseLong(ran[2]));
        }
        assertTrue(
                lastFirstWrite < firstLastWrite,
                "every worker was still writing when the last one began: the " + "last first write came "
                        + (lastFirstWrite - firstLastWrite) + " µs after the first worker's last write");

        VmStore store = new VmStore(
                root, root.resolve("run"), root.resolve("log"), FileStoreLocks.forRoot(root), new AtomicJsonFiles());
        List<VmRecord> records = store.list();
        Set<String> names = new HashSet<>();
        records.forEach(r -> assertTrue(names.add(r.name()), "two VMs named " + r.name()));
        for (int w = 0; w < WORKERS; w++) {
            for (int i = 0; i < ROUNDS; i++) {
                assertEquals(i % 2 == 0, names.contains("w" + w + "-" + i), "record w" + w + "-" + i);
            }
        }
        for (int i = 0; i < ROUNDS; i++) {
            assertTrue(names.contains("contested-" + i), "contested-" + i + " lost");
        }
        assertEquals(ROUNDS, wins.size(), "each contested name won exactly once: " + wins);
        assertEquals(WORKERS * ROUNDS / 2 + ROUNDS, records.size());
        for (VmRecord record : records) {
            assertEquals(record.id(), store.resolve(record.name()).id(), "the entry of " + record.name());
        }
        assertEquals(names, store.nameEntries().keySet(), "an entry for each VM and none of a removed one");
    }
}
