package cocoon.runtime.store;

import cocoon.api.CocoonException;
import cocoon.api.StoreLock;
import cocoon.api.StoreLocks;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;

/**
 * {@code FileChannel} locks on {@code <root-dir>/locks/<store>.lock}. Locks between processes come
 * from the kernel; inside one JVM a read-write lock per store orders threads, because one JVM
 * may hold only one {@code FileLock} per region of a file. Plugins get a view of their own
 * ({@link #forPlugin}) whose names {@link LockScope} chooses.
 */
public final class FileStoreLocks {

    /** One instance per root dir and JVM: a second instance would try to lock the same file twice and fail. */
    private static final Map<Path, FileStoreLocks> BY_ROOT = new HashMap<>();

    private static final String SUFFIX = ".lock";

    private final Path lockDir;
    private final Map<String, StoreState> stores = new HashMap<>();

    private FileStoreLocks(Path rootDir) {
        this.lockDir = lockDir(rootDir);
    }

    private static Path lockDir(Path rootDir) {
        return rootDir.resolve("locks");
    }

    /** The file behind {@code store}'s lock under {@code rootDir}. */
    public static Path file(Path rootDir, String store) {
        return lockDir(rootDir).resolve(store + SUFFIX);
    }

    /** The stores that have a lock file under {@code rootDir}, held or not. */
    public static List<String> stores(Path rootDir) throws IOException {
        Path dir = lockDir(rootDir);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(file -> file.getFileName().toString())
                    .filter(name -> name.endsWith(SUFFIX))
                    .map(name -> name.substring(0, name.length() - SUFFIX.length()))
                    .toList();
        }
    }

    public static FileStoreLocks forRoot(Path rootDir) {
        synchronized (BY_ROOT) {
            return BY_ROOT.computeIfAbsent(rootDir.toAbsolutePath().normalize(), FileStoreLocks::new);
        }
    }

    public StoreLock.Held exclusive(String store) {
        return acquire(store, false);
    }

    public StoreLock.Held shared(String store) {
        return acquire(store, true);
    }

    /** The locks a plugin opened with {@code scope} may take: its store's and its own, nothing else. */
    public StoreLocks forPlugin(LockScope scope) {
        return new StoreLocks() {
            @Override
            public StoreLock store() {
                return lock(scope.store());
            }

            @Override
            public StoreLock own(String name) {
                return lock(scope.own(name));
            }
        };
    }

    private StoreLock lock(String store) {
        return new StoreLock() {
            @Override
            public Held exclusive() {
                return acquire(store, false);
            }

            @Override
            public Held shared() {
                return acquire(store, true);
            }
        };
    }

    private StoreLock.Held acquire(String store, boolean shared) {
        if (!store.matches("[a-z0-9-]+(\\.[a-z0-9-]+)*")) {
            throw new IllegalArgumentException("bad store name " + store);
        }
        StoreState state;
        synchronized (stores) {
            state = stores.computeIfAbsent(store, StoreState::new);
        }
        var threadLock = shared ? state.threads.readLock() : state.threads.writeLock();
        threadLock.lock();
        try {
            state.acquireFile(shared);
        } catch (RuntimeException e) {
            threadLock.unlock();
            throw e;
        }
        return () -> {
            try {
                state.releaseFile();
            } finally {
                threadLock.unlock();
            }
        };
    }

    /** One store's in-process holders and the single file lock they share. */
    private final class StoreState {
        final String name;
        final ReentrantReadWriteLock threads = new ReentrantReadWriteLock();
        FileChannel channel;
        int holders;

        StoreState(String name) {
            this.name = name;
        }

        synchronized void acquireFile(boolean shared) {
            if (holders++ > 0) {
                return;
            }
            try {
                Files.createDirectories(lockDir);
                channel = FileChannel.open(
                        lockDir.resolve(name + SUFFIX),
                        StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE,
                        StandardOpenOption.READ);
                // Held as long as the channel is open: closing it is what releases the lock.
                channel.lock(0, Long.MAX_VALUE, shared);
            } catch (IOException e) {
                holders--;
                closeQuietly();
                throw new CocoonException(
                        "cannot lock store " + name + " in " + lockDir + ": " + e.getMessage(),
                        "check that the root dir is writable (run as root or set --root-dir)");
            }
        }

        synchronized void releaseFile() {
            if (--holders == 0) {
                closeQuietly();
            }
        }

        private void closeQuietly() {
            try {
                if (channel != null) {
                    channel.close();
                }
            } catch (IOException ignored) {
                // Closing the channel releases the lock; nothing more to do if it fails.
            }
            channel = null;
        }
    }
}
