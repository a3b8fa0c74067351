package cocoon.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The kernel's table of file locks ({@code /proc/locks}) read for one Cocoon store: which process holds,
 * or waits for, a lock on a file under the root dir. Every mutation of a store holds that store's lock
 * file under {@code locks/} (and a download its partial file under {@code tmp/}), so a process seen
 * here is inside a mutation, and two processes seen at once are racing on the store.
 */
public final class LockTable {

    /** One lock the kernel lists on a file of the store: held, or waited for, by {@code pid}. */
    public record Entry(long pid, boolean waiting, Path file) {
        @Override
        public String toString() {
            return pid + (waiting ? " waits for " : " holds ") + file.getFileName();
        }
    }

    private static final Path PROC_LOCKS = Path.of("/proc/locks");

    private LockTable() {}

    /** Every lock held or awaited, at this moment, on a lock file or temporary file of the store at {@code root}. */
    public static List<Entry> under(Path root) {
        Map<Long, Path> files = lockableFiles(root);
        if (files.isEmpty()) {
            return List.of();
        }
        List<Entry> entries = new ArrayList<>();
        for (String line : read()) {
            // "1: POSIX  ADVISORY  WRITE 4711 fe:00:2155746 0 EOF", or "1: -> POSIX ..." for a waiter
            String[] fields = line.trim().split("\\s+", -1);
            boolean waiting = fields.length > 1 && fields[1].equals("->");
            int at = waiting ? 2 : 1;
            if (fields.length < at + 5) {
                continue;
            }
            String device = fields[at + 4];
            Path file = files.get(Long.parseLong(device.substring(device.lastIndexOf(':') + 1)));
            if (file != null) {
                entries.add(new Entry(Long.parseLong(fields[at + 3]), waiting, file));
            }
        }
        return entries;
    }

    /** The files of the store at {@code root} that {@code pid} holds a lock on, at this moment. */
    public static List<Path> heldBy(long pid, Path root) {
        return under(root).stream()
                .filter(e -> e.pid() == pid && !e.waiting())
                .map(Entry::file)
                .toList();
    }

    /** Lock files and temporary files by inode: the only files of a store that are ever locked. */
    private static Map<Long, Path> lockableFiles(Path root) {
        Map<Long, Path> byInode = new HashMap<>();
        for (Path dir : List.of(root.resolve("locks"), root.resolve("tmp"))) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : files.toList()) {
                    try {
                        byInode.put((Long) Files.getAttribute(file, "unix:ino"), file);
                    } catch (NoSuchFileException gone) {
                        // removed since it was listed: nobody holds a lock on it any more
                    }
                }
            } catch (NoSuchFileException notYet) {
                // the store has not made this folder yet
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return byInode;
    }

    private static List<String> read() {
        try {
            return Files.readAllLines(PROC_LOCKS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Samples the table every few milliseconds on a thread of its own until closed, and keeps the moment
     * the most processes were in the store at once: the evidence that commands started together did race.
     */
    public static final class Watch implements AutoCloseable {

        private static final long SAMPLE_MILLIS = 2;

        private final Path root;
        private final Thread sampler;
        private volatile boolean stopped;
        private volatile List<Entry> busiest = List.of();
        private volatile int busiestCount;

        private Watch(Path root) {
            this.root = root;
            this.sampler = Thread.ofPlatform().daemon().name("lock-table-watch").start(this::sample);
        }

        public static Watch start(Path root) {
            return new Watch(root);
        }

        private void sample() {
            while (!stopped) {
                List<Entry> now = under(root);
                int processes = pids(now).size();
                if (processes > busiestCount) {
                    busiestCount = processes;
                    busiest = now;
                }
                try {
                    Thread.sleep(SAMPLE_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        /** The most distinct processes seen holding or waiting for a lock of the store in one sample. */
        public int mostAtOnce() {
            return busiestCount;
        }

        /** That busiest sample, for a failure message or a results note. */
        public String busiest() {
            return busiest.stream().map(Entry::toString).collect(Collectors.joining(", ", "[", "]"));
        }

        private static Set<Long> pids(List<Entry> entries) {
            return entries.stream().map(Entry::pid).collect(Collectors.toCollection(TreeSet::new));
        }

        /** Stops sampling and waits for the sampler; an interrupt is kept for the caller to see. */
        @Override
        public void close() {
            stopped = true;
            try {
                sampler.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
