package cocoon.api;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Waits that an interrupt cannot cut short, for work that must end before its files or locks are let go (a download
 * still writing, an fsync on a channel about to close). An interrupt that comes meanwhile is kept for the caller.
 */
public final class Uninterruptible {

    private Uninterruptible() {}

    /** Waits until {@code thread} has ended. */
    public static void join(Thread thread) {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        keep(interrupted);
    }

    /** Waits for {@code task}'s result; its failure comes as the {@link ExecutionException}. */
    public static <T> T get(Future<T> task) throws ExecutionException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return task.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            keep(interrupted);
        }
    }

    /** Shuts {@code pool} down and waits until every task it runs has ended. */
    public static void shutdownAndWait(ExecutorService pool) {
        pool.shutdown();
        boolean interrupted = false;
        while (!pool.isTerminated()) {
            try {
                pool.awaitTermination(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        keep(interrupted);
    }

    private static void keep(boolean interrupted) {
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
