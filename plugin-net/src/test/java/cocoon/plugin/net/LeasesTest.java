package cocoon.plugin.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.ConflictException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeasesTest {

    private static final Subnet DOC_NET = Subnet.parse("198.51.100.0/24");

    @TempDir
    Path dir;

    @Test
    void aVmGetsTheFirstAddressAfterTheGatewayAndKeepsItWhenAskedAgain() throws Exception {
        Leases leases = new Leases(dir, DOC_NET);

        assertEquals("198.51.100.2", leases.take("aaaa000000000001"));
        assertEquals("198.51.100.3", leases.take("aaaa000000000002"));
        assertEquals("198.51.100.2", leases.take("aaaa000000000001"));
        assertEquals(
                "aaaa000000000001",
                Files.readString(dir.resolve("198.51.100.2")).strip());
    }

    @Test
    void concurrentCreatesEachGetTheirOwnAddress() throws Exception {
        int creates = 16;
        CyclicBarrier together = new CyclicBarrier(creates);
        List<Future<String>> taken = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(creates)) {
            for (int i = 0; i < creates; i++) {
                String vmId = "%016x".formatted(i);
                // Each create is its own Leases, as each is its own cocoon process: only the files are shared.
                Leases own = new Leases(dir, DOC_NET);
                taken.add(pool.submit(() -> {
                    together.await();
                    return own.take(vmId);
                }));
            }
            Set<String> addresses = new HashSet<>();
            for (Future<String> address : taken) {
                addresses.add(address.get());
            }
            assertEquals(creates, addresses.size(), addresses.toString());
        }
    }

    @Test
    void releasedAddressesAreGivenAgainAndLeasesOfRemovedVmsAreOrphans() {
        Leases leases = new Leases(dir, DOC_NET);
        leases.take("aaaa000000000001");
        leases.take("aaaa000000000002");

        leases.release("aaaa000000000001");

        assertEquals("198.51.100.2", leases.take("aaaa000000000003"));
        assertEquals(List.of(dir.resolve("198.51.100.3")), leases.orphans(Set.of("aaaa000000000003")));
    }

    @Test
    void theLeasesOfGivenVmsAreFoundWithoutKnowingTheOthers() {
        Leases leases = new Leases(dir, DOC_NET);
        leases.take("aaaa000000000001");
        leases.take("aaaa000000000002");
        leases.take("aaaa000000000003");

        assertEquals(List.of(dir.resolve("198.51.100.3")), leases.heldBy(Set.of("aaaa000000000002", "bbbb")));
    }

    @Test
    void aFullSubnetRefusesTheNextVmInOneLine() {
        Leases leases = new Leases(dir, Subnet.parse("192.0.2.0/30"));
        assertEquals("192.0.2.2", leases.take("aaaa000000000001"));

        ConflictException full = assertThrows(ConflictException.class, () -> leases.take("aaaa000000000002"));

        assertEquals("every address of the bridge's subnet 192.0.2.0/30 is held by a VM", full.getMessage());
        assertTrue(full.hint().contains("[network] subnet"), full.hint());
    }

    @Test
    void runShowsTheNextFreeAddressWithoutTakingIt() {
        Leases leases = new Leases(dir, DOC_NET);

        assertEquals("198.51.100.2", leases.peek());
        assertEquals("198.51.100.2", leases.take("aaaa000000000001"));
    }
}
