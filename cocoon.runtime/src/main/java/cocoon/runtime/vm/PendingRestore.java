package cocoon.runtime.vm;

import cocoon.api.CocoonException;
import cocoon.api.Disk;
import cocoon.runtime.store.AtomicFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A restore replaces several disks (a cloud image's overlay and seed, say), and a guest must never boot from a mix of
 * old and new ones. Each new disk is first copied beside the one it replaces; once all are complete the journal naming
 * them is written, and only then are they renamed into place. A kill before the journal leaves the old disks and
 * staged copies that gc removes; a kill after it leaves a journal that the next start or restore finishes. A restore
 * to a memory snapshot names its state in the journal too: finishing it leaves the VM to resume from that state
 * ({@link PendingResume}), any other leaves it to boot. Every step reaches the disk before the next begins (the staged
 * copies and their folder before the journal, the journal before the renames, the renames before the journal goes),
 * so a power loss leaves the same two outcomes as a kill.
 */
public final class PendingRestore {

    static final String JOURNAL = "restore.pending";
    private static final String STAGED = ".restore";
    /** Begins the journal's line naming the state to resume from; no disk's file name holds the path's '/'. */
    private static final String RESUME_FROM = "resume-from ";

    private PendingRestore() {}

    /** Where the copy that will replace {@code disk} is written, beside it. */
    public static Path staged(Path disk) {
        return disk.resolveSibling("." + disk.getFileName() + STAGED);
    }

    /**
     * Records that the staged copies of {@code disks}, all in {@code vmDir}, are complete, then renames each into place;
     * {@code resumeFrom} is the memory snapshot's state the VM is to resume from, or null.
     */
    public static void commit(Path vmDir, List<Path> disks, Path resumeFrom) {
        commit(vmDir, disks, resumeFrom, Steps.DURABLE);
    }

    static void commit(Path vmDir, List<Path> disks, Path resumeFrom, Steps steps) {
        Path journal = vmDir.resolve(JOURNAL);
        try {
            for (Path disk : disks) {
                steps.sync(staged(disk));
            }
            steps.syncFolder(vmDir);
            String names = disks.stream().map(disk -> disk.getFileName() + "\n").collect(Collectors.joining());
            steps.writeJournal(
                    journal,
                    (resumeFrom == null ? names : names + RESUME_FROM + resumeFrom + "\n")
                            .getBytes(StandardCharsets.UTF_8));
            for (Path disk : disks) {
                steps.rename(staged(disk), disk);
            }
            close(vmDir, journal, resumeFrom, steps);
        } catch (IOException e) {
            throw failure(vmDir, e);
        }
    }

    /** Once the disks are in place: what the VM does next is settled and on disk before the journal goes. */
    private static void close(Path vmDir, Path journal, Path resumeFrom, Steps steps) throws IOException {
        settleResume(vmDir, resumeFrom);
        steps.syncFolder(vmDir);
        steps.delete(journal);
    }

    /** Before the journal goes: the disks now in place either go with the snapshot's memory or boot. */
    private static void settleResume(Path vmDir, Path resumeFrom) {
        if (resumeFrom == null) {
            PendingResume.clear(vmDir);
        } else {
            PendingResume.mark(vmDir, resumeFrom);
        }
    }

    /**
     * Completes a restore a kill interrupted after its journal was written; with no journal, drops the staged copies
     * of {@code disks} one killed before left. Called with the VM's lock held, before anything reads its disks.
     */
    public static void finish(Path vmDir, List<Disk> disks) {
        Path journal = vmDir.resolve(JOURNAL);
        try {
            if (!Files.exists(journal)) {
                for (Disk disk : disks) {
                    Files.deleteIfExists(staged(disk.path()));
                }
                return;
            }
            Path resumeFrom = null;
            for (String name : Files.readAllLines(journal)) {
                if (name.startsWith(RESUME_FROM)) {
                    resumeFrom = Path.of(name.substring(RESUME_FROM.length()));
                    continue;
                }
                Path disk = vmDir.resolve(name);
                Path staged = staged(disk);
                // Renamed already by the run that was killed.
                if (Files.exists(staged)) {
                    Steps.DURABLE.rename(staged, disk);
                }
            }
            close(vmDir, journal, resumeFrom, Steps.DURABLE);
        } catch (IOException e) {
            throw failure(vmDir, e);
        }
    }

    /**
     * The staged copies of {@code disks} a restore killed before its journal was written left: garbage, as the old
     * disks stayed. One look per disk, no listing: gc asks it of every VM.
     */
    public static List<Path> leftovers(Path vmDir, List<Disk> disks) {
        List<Path> staged = disks.stream()
                .filter(disk -> !disk.readOnly())
                .map(disk -> staged(disk.path()))
                .filter(Files::exists)
                .toList();
        return staged.isEmpty() || Files.exists(vmDir.resolve(JOURNAL)) ? List.of() : staged;
    }

    /** The file-system steps of a commit, apart so that a test can see their order. */
    interface Steps {
        /** Its data on the disk. */
        void sync(Path file) throws IOException;

        /** Its entries (creations, renames, removals) on the disk. */
        void syncFolder(Path dir) throws IOException;

        void writeJournal(Path journal, byte[] content) throws IOException;

        void rename(Path from, Path to) throws IOException;

        void delete(Path file) throws IOException;

        Steps DURABLE = new Steps() {
            @Override
            public void sync(Path file) throws IOException {
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                    channel.force(true);
                }
            }

            @Override
            public void syncFolder(Path dir) throws IOException {
                AtomicFiles.syncDirectory(dir);
            }

            // Written whole or not at all, and on the disk with its folder entry when this returns.
            @Override
            public void writeJournal(Path journal, byte[] content) throws IOException {
                AtomicFiles.write(journal, content);
            }

            @Override
            public void rename(Path from, Path to) throws IOException {
                Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }

            @Override
            public void delete(Path file) throws IOException {
                Files.delete(file);
            }
        };
    }

    private static CocoonException failure(Path vmDir, IOException e) {
        return new CocoonException(
                "cannot restore the disks in " + vmDir + ": " + e.getMessage(),
                "check free space and permissions, then run cocoon restore again");
    }
}
