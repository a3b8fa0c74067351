package cocoon.api;

/**
 * File locks on {@code <root-dir>/locks/<store>.lock}. Mutations of a store hold its lock
 * exclusively; long operations that only add (a pull) hold it shared; GC holds every store exclusively.
 */
public interface StoreLocks {

    /** A held lock; closing releases it. */
    interface Held extends AutoCloseable {
        @Override
        void close();
    }

    Held exclusive(String store);

    Held shared(String store);
}
