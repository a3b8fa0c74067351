package cocoon.runtime.store;

import cocoon.api.CocoonException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A file-system failure that reached the command line without a plugin or store explaining it,
 * turned into what went wrong and what to do. The JDK reports errno in English ({@code strerror}
 * text), so a full disk is recognised by its reason whatever exception carries it.
 */
public final class IoFailure {

    private static final String NO_SPACE = "No space left on device";
    private static final String NO_QUOTA = "Disk quota exceeded";
    private static final String READ_ONLY = "Read-only file system";

    private IoFailure() {}

    /**
     * The explanation of the first I/O exception among {@code e} and its causes; empty when there is none.
     *
     * @param rootDir where Cocoon writes, named when the exception does not say which file failed; may be null
     */
    public static Optional<CocoonException> explain(Throwable e, Path rootDir) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException io) {
                return Optional.of(explain(io, rootDir));
            }
        }
        return Optional.empty();
    }

    private static CocoonException explain(IOException e, Path rootDir) {
        String file = e instanceof FileSystemException fs && fs.getFile() != null ? fs.getFile() : null;
        String where = file != null ? file : rootDir != null ? rootDir.toString() : "the disk";
        String reason = reason(e);
        if (isNoSpace(e)) {
            return noSpace(where, e);
        }
        if (reason.contains(READ_ONLY)) {
            return new CocoonException(
                    "cannot write " + where + ": the file system is read-only",
                    "give Cocoon a writable folder (--root-dir)",
                    e);
        }
        if (e instanceof AccessDeniedException) {
            return new CocoonException(
                    "permission denied on " + where,
                    "run as root, or give Cocoon folders it may write (--root-dir, --run-dir, --log-dir)",
                    e);
        }
        if (e instanceof NoSuchFileException) {
            return new CocoonException(
                    where + " does not exist",
                    "another command may have removed it meanwhile; run the command again",
                    e);
        }
        return new CocoonException(
                "I/O error on " + where + ": " + reason,
                "check that file system (free space, permissions, dmesg), then run the command again",
                e);
    }

    /** Whether the file system ran out of blocks, inodes or quota. */
    public static boolean isNoSpace(IOException e) {
        String reason = reason(e);
        return reason.contains(NO_SPACE) || reason.contains(NO_QUOTA);
    }

    /** The one way a full disk reads, whoever finds it. */
    public static CocoonException noSpace(Object where, Throwable cause) {
        return new CocoonException("no space left on " + where, "free space (cocoon gc)", cause);
    }

    /** The operating system's words for the failure, without the path a FileSystemException repeats. */
    private static String reason(IOException e) {
        if (e instanceof FileSystemException fs && fs.getReason() != null) {
            return fs.getReason();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
