package cocoon.runtime.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.ConflictException;
import cocoon.api.NotFoundException;
import cocoon.api.VmRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding a VM by name, id or id prefix through the name entries, and what happens when an entry lies. */
class VmStoreLookupTest {

    @TempDir
    Path root;

    private VmStore store;

    @BeforeEach
    void open() {
        store = new VmStore(
                root, root.resolve("run"), root.resolve("log"), FileStoreLocks.forRoot(root), new AtomicJsonFiles());
    }

    private VmRecord insert(String name) {
        return StoreWorker.insert(store, name);
    }

    /** A record as an older release wrote it: no name entry. */
    private VmRecord writeWithoutEntry(String id, String name) {
        VmRecord record = withId(StoreWorker.record(name), id);
        new AtomicJsonFiles().write(root.resolve("vms").resolve(id).resolve("vm.json"), record);
        return record;
    }

    private static VmRecord withId(VmRecord r, String id) {
        return new VmRecord(
                id,
                r.name(),
                r.state(),
                r.spec(),
                r.image(),
                r.boot(),
                r.disks(),
                r.created(),
                r.started(),
                r.pid(),
                r.error(),
                r.network());
    }

    private Path entry(String name) {
        return root.resolve("vms-names").resolve(name);
    }

    @Test
    void aVmIsFoundByItsNameItsIdAndAUniquePrefixOfItsId() {
        VmRecord web = insert("web");
        insert("db");

        assertEquals(web.id(), store.resolve("web").id());
        assertEquals(web.id(), store.resolve(web.id()).id());
        assertEquals(web.id(), store.resolve(web.id().substring(0, 12)).id());
        assertEquals(web.id(), readLink(entry("web")));
    }

    @Test
    void aPrefixOfTwoIdsIsRefusedWithTheCountAndAnUnknownNameIsNotFound() {
        writeWithoutEntry("abc111", "one");
        writeWithoutEntry("abc222", "two");

        ConflictException twice = assertThrows(ConflictException.class, () -> store.resolve("abc"));
        assertEquals("'abc' matches 2 VMs", twice.getMessage());
        NotFoundException none = assertThrows(NotFoundException.class, () -> store.resolve("nope"));
        assertEquals("no VM named 'nope'", none.getMessage());
    }

    @Test
    void aNameWinsOverAnIdPrefixItHappensToBe() {
        writeWithoutEntry("beef01", "first");
        VmRecord named = writeWithoutEntry("c0ffee", "beef");

        assertEquals(named.id(), store.resolve("beef").id());
    }

    @Test
    void anEntryLeftByARemovalKilledAfterTheRecordIsIgnoredAndTheNameCanBeTakenAgain() throws IOException {
        VmRecord gone = insert("web");
        Files.delete(root.resolve("vms").resolve(gone.id()).resolve("vm.json"));

        assertThrows(NotFoundException.class, () -> store.resolve("web"));
        assertFalse(Files.exists(entry("web"), java.nio.file.LinkOption.NOFOLLOW_LINKS), "stale entry repaired");
        VmRecord again = insert("web");
        assertEquals(again.id(), store.resolve("web").id());
    }

    @Test
    void anEntryPointingAtAnotherVmIsSeenThroughAndRepaired() throws IOException {
        VmRecord other = insert("other");
        VmRecord web = writeWithoutEntry("0123abcd", "web");
        Files.createSymbolicLink(entry("web"), Path.of(other.id()));

        assertEquals(web.id(), store.resolve("web").id());
        assertEquals(web.id(), readLink(entry("web")));
    }

    @Test
    void aStoreAnOlderReleaseWroteGetsItsEntriesAndKeepsItsNamesTaken() {
        VmRecord web = writeWithoutEntry("0123abcd", "web");
        writeWithoutEntry("4567abcd", "db");

        assertEquals(web.id(), store.resolve("web").id());
        assertEquals(Map.of("web", "0123abcd", "db", "4567abcd"), store.nameEntries());
        ConflictException taken = assertThrows(ConflictException.class, () -> insert("db"));
        assertEquals("a VM named 'db' already exists", taken.getMessage());
    }

    @Test
    void theFirstCreateInAnOlderStoreAlsoSeesItsNames() {
        writeWithoutEntry("0123abcd", "web");

        assertThrows(ConflictException.class, () -> insert("web"));
        assertTrue(store.takenNames().contains("web"));
    }

    @Test
    void removingARecordRemovesItsEntry() {
        VmRecord web = insert("web");

        store.deleteRecord(web.id());

        assertEquals(Map.of(), store.nameEntries());
        assertThrows(NotFoundException.class, () -> store.resolve("web"));
    }

    private static String readLink(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
