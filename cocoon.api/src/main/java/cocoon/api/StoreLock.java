package cocoon.api;

/** One lock file under {@code <root-dir>/locks/}, held shared by many at once or exclusively by one. */
public interface StoreLock {

    /** A held lock; closing releases it. */
    interface Held extends AutoCloseable {
        @Override
        void close();
    }

    Held exclusive();

    Held shared();
}
