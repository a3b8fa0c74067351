package cocoon.runtime.store;

import cocoon.api.BootSpec;
import cocoon.api.ConflictException;
import cocoon.api.VmRecord;
import cocoon.api.VmSpec;
import cocoon.api.VmState;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.List;

/**
 * A separate JVM hammering the VM store: inserts records with its own names and with names every
 * worker fights over, and removes every other one of its own. Prints the names it won, one a line.
 */
public final class StoreWorker {

    public static void main(String[] args) {
        Path root = Path.of(args[0]);
        String worker = args[1];
        int rounds = Integer.parseInt(args[2]);
        VmStore store = new VmStore(root, root.resolve("run"), root.resolve("log"),
                FileStoreLocks.forRoot(root), new AtomicJsonFiles());
        for (int i = 0; i < rounds; i++) {
            VmRecord own = insert(store, worker + "-" + i);
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
    }

    static VmRecord insert(VmStore store, String name) {
        return store.insert(taken -> {
            VmStore.requireFree(name, taken);
            return record(name);
        });
    }

    static VmRecord record(String name) {
        String id = Long.toHexString(Double.doubleToLongBits(Math.random())) + Long.toHexString(System.nanoTime());
        VmSpec spec = new VmSpec(name, 1, 64L << 20, 64L << 20, "qemu", Map.of(), new VmSpec.CloudInit("u", "p", List.of()));
        return new VmRecord(id.substring(0, 16), name, VmState.CREATED, spec,
                new VmRecord.ImageRef("oci", "example/img:1", "sha256:00"), BootSpec.firmware(), List.of(),
                Instant.now(), null, 0, null);
    }
}
