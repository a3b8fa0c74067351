package cocoon.runtime.testing;

import static org.junit.jupiter.api.Assertions.fail;

import cocoon.api.StoreLock;
import cocoon.runtime.store.FileStoreLocks;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Tries a lock from a thread of its own, as another command would, to tell whether someone holds it.
 * A probe that waits gets the lock once the holder lets go, and lets go of it at once.
 */
public final class LockProbe {

    /** How long a probe that should wait is given: locks in one JVM are taken in microseconds. */
    private static final long WAITS_MILLIS = 300;

    private static final long FREE_SECONDS = 10;

    private final FileStoreLocks locks;
    private final List<CompletableFuture<Void>> attempts = new ArrayList<>();

    public LockProbe(FileStoreLocks locks) {
        this.locks = locks;
    }

    /** Fails unless taking {@code lock} exclusively, as the collector does, would wait. */
    public void assertExclusiveWaits(String lock) {
        assertWaits(lock + " exclusively", () -> locks.exclusive(lock));
    }

    /** Fails unless taking {@code lock} shared, as a pull or a VM command does, would wait. */
    public void assertSharedWaits(String lock) {
        assertWaits(lock + " shared", () -> locks.shared(lock));
    }

    public void assertWaits(String what, Supplier<StoreLock.Held> take) {
        CompletableFuture<Void> attempt = attempt(take);
        try {
            attempt.get(WAITS_MILLIS, TimeUnit.MILLISECONDS);
            fail("nobody holds " + what);
        } catch (TimeoutException expected) {
            // it waits for the holder
        } catch (InterruptedException | ExecutionException e) {
            throw new AssertionError("taking " + what + " failed", e);
        }
    }

    /** Fails unless the lock is had without waiting for anyone. */
    public void assertFree(String what, Supplier<StoreLock.Held> take) {
        try {
            attempt(take).get(FREE_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            fail("someone holds " + what);
        } catch (InterruptedException | ExecutionException e) {
            throw new AssertionError("taking " + what + " failed", e);
        }
    }

    /** Waits until every probe had its lock, so none is left behind when the test's folders go. */
    public void awaitAll() throws Exception {
        for (CompletableFuture<Void> attempt : attempts) {
            attempt.get(FREE_SECONDS, TimeUnit.SECONDS);
        }
    }

    @SuppressWarnings("try") // taking the lock is the attempt; it is released at once
    private CompletableFuture<Void> attempt(Supplier<StoreLock.Held> take) {
        CompletableFuture<Void> attempt = new CompletableFuture<>();
        attempts.add(attempt);
        Thread.ofPlatform().daemon().start(() -> {
            try (StoreLock.Held held = take.get()) {
                attempt.complete(null);
            } catch (RuntimeException e) {
                attempt.completeExceptionally(e);
            }
        });
        return attempt;
    }
}
