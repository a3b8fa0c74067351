package cocoon.runtime.store;

import cocoon.api.VmRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VmStoreContentionTest {

    private static final int WORKERS = 4;
    private static final int ROUNDS = 12;

    @TempDir
    Path root;

    @Test
    void separateProcessesCreatingAndRemovingLoseNothingAndNeverShareAName() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<Process> workers = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            workers.add(new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    StoreWorker.class.getName(), root.toString(), "w" + w, Integer.toString(ROUNDS))
                    .redirectErrorStream(true).start());
        }
        List<String> wins = new ArrayList<>();
        for (Process p : workers) {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), out);
            out.lines().filter(l -> l.startsWith("won ")).forEach(wins::add);
        }

        VmStore store = new VmStore(root, root.resolve("run"), root.resolve("log"),
                FileStoreLocks.forRoot(root), new AtomicJsonFiles());
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
    }
}
