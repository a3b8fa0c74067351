package cocoon.runtime.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The order in which a restore's commit puts its steps on the disk, which decides what a power loss can leave. */
class PendingRestoreTest {

    @TempDir
    Path vmDir;

    /** Does each step for real and notes it, by the file's name. */
    private static class Recorded implements PendingRestore.Steps {
        final List<String> steps = new ArrayList<>();

        @Override
        public void sync(Path file) throws IOException {
            steps.add("sync " + file.getFileName());
            DURABLE.sync(file);
        }

        @Override
        public void syncFolder(Path dir) throws IOException {
            steps.add("sync folder");
            DURABLE.syncFolder(dir);
        }

        @Override
        public void writeJournal(Path journal, byte[] content) throws IOException {
            steps.add("write journal");
            DURABLE.writeJournal(journal, content);
        }

        @Override
        public void rename(Path from, Path to) throws IOException {
            steps.add("rename " + from.getFileName() + " to " + to.getFileName());
            DURABLE.rename(from, to);
        }

        @Override
        public void delete(Path file) throws IOException {
            steps.add("delete " + file.getFileName());
            DURABLE.delete(file);
        }
    }

    @Test
    void stagedCopiesReachTheDiskBeforeTheJournalAndTheRenamesBeforeItGoes() throws IOException {
        Path overlay = Files.writeString(vmDir.resolve("overlay.qcow2"), "old overlay");
        Path seed = Files.writeString(vmDir.resolve("seed.img"), "old seed");
        Files.writeString(PendingRestore.staged(overlay), "saved overlay");
        Files.writeString(PendingRestore.staged(seed), "saved seed");
        Recorded recorded = new Recorded();

        PendingRestore.commit(vmDir, List.of(overlay, seed), null, recorded);

        assertEquals(
                List.of(
                        "sync .overlay.qcow2.restore",
                        "sync .seed.img.restore",
                        "sync folder",
                        "write journal",
                        "rename .overlay.qcow2.restore to overlay.qcow2",
                        "rename .seed.img.restore to seed.img",
                        "sync folder",
                        "delete restore.pending"),
                recorded.steps);
        assertEquals("saved overlay", Files.readString(overlay));
        assertEquals("saved seed", Files.readString(seed));
        assertFalse(Files.exists(vmDir.resolve(PendingRestore.JOURNAL)));
    }

    @Test
    void aRestoreToAMemorySnapshotLeavesTheVmToResumeFromItsStateBeforeTheJournalGoes() throws IOException {
        Path cow = Files.writeString(vmDir.resolve("cow.raw"), "old");
        Files.writeString(PendingRestore.staged(cow), "saved");
        Path state = vmDir.resolveSibling("snapshot-state");
        List<Optional<Path>> markWhenTheJournalGoes = new ArrayList<>();
        Recorded recorded = new Recorded() {
            @Override
            public void delete(Path file) throws IOException {
                markWhenTheJournalGoes.add(PendingResume.stateFolder(vmDir));
                super.delete(file);
            }
        };

        PendingRestore.commit(vmDir, List.of(cow), state, recorded);

        assertEquals(List.of(Optional.of(state)), markWhenTheJournalGoes);
        assertEquals(Optional.of(state), PendingResume.stateFolder(vmDir));
    }
}
