package cocoon.runtime.store;

import cocoon.api.BootSpec;
import cocoon.api.ConflictException;
import cocoon.api.VmRecord;
import cocoon.api.VmSpec;
import cocoon.api.VmState;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A separate JVM hammering the VM store: inserts records with its own names and with names every
 * worker fights over, and removes every other one of its own. Prints {@code ready} once its store is
 * open, starts when a line arrives on stdin (so all workers start together), meets the other workers
 * before each fought-over name (so they all try it at once), prints the names it won,
 * one a line, and last {@code ran FIRST LAST}: the wall-clock microseconds of its first and last write.
 */
public final class StoreWorker {

    public static void main(String[] args) throws IOException, InterruptedException {
        Path root = Path.of(args[0]);
        String worker = args[1];
        int rounds = Integer.parseInt(args[2]);
        int workers = Integer.parseInt(args[3]);
        VmStore store = new VmStore(
                root, root.resolve("run"), root.resolve("log"), FileStoreLocks.forRoot(root), new AtomicJsonFiles());
        System.out.println("ready");
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        long first = 0;
        for (int i = 0; i < rounds; i++) {
            VmRecord own = insert(store, worker + "-" + i);
            if (i == 0) {
                first = micros();
            }
            awaitEveryWorker(root.resolve("rounds"), i, worker, workers);
            try {
                insert(store, "contested-" + i);
                System.out.println("won contested-" + i);
            } catch (ConflictException lost) {
                // Another worker has the name: exactly the outcome the store must allow.
            }
            if (i % 2 == 1) {
                store.deleteRecord(own.id());
            }
        }
        System.out.println("ran " + first + " " + micros());
    }

    /** A barrier across the worker JVMs: every worker fights for round {@code round}'s name at the same moment. */
    private static void awaitEveryWorker(Path dir, int round, String worker, int workers)
            throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Files.createFile(dir.resolve(round + "-" + worker));
        while (true) {
            try (Stream<Path> arrived = Files.list(dir)) {
                if (arrived.filter(f -> f.getFileName().toString().startsWith(round + "-"))
                                .count()
                        == workers) {
                    return;
                }
            }
            Thread.sleep(1);
        }
    }

    private static long micros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
    }

    static VmRecord insert(VmStore store, String name) {
        return store.insert(taken -> {
            VmStore.requireFree(name, taken);
            return record(name);
        });
    }

    static VmRecord record(String name) {
        String id = Long.toHexString(Double.doubleToLongBits(Math.random())) + Long.toHexString(System.nanoTime());
        VmSpec spec = new VmSpec(
                name, 1, 64L << 20, 64L << 20, "qemu", Map.of(), new VmSpec.CloudInit("u", "p", List.of(), List.of()));
        return new VmRecord(
                id.substring(0, 16),
                name,
                VmState.CREATED,
                spec,
                new VmRecord.ImageRef("oci", "example/img:1", "sha256:00"),
                BootSpec.firmware(),
                List.of(),
                Instant.now(),
                null,
                0,
                null,
                null);
    }
}
