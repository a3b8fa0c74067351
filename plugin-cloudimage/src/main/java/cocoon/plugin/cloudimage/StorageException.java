package cocoon.plugin.cloudimage;

import cocoon.api.CocoonException;
import cocoon.api.ToolException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A file of the image store, of a download or of a VM's disks could not be read or written. A full
 * file system reads the same wherever it is met: {@code no space left on <folder>: free space (cocoon gc)}.
 * The JDK and qemu-img report errno as {@code strerror} text, which is how a full disk is recognised.
 */
public final class StorageException extends CocoonException {

    private static final String NO_SPACE = "No space left on device";
    private static final String NO_QUOTA = "Disk quota exceeded";

    private StorageException(String what, String hint, Throwable cause) {
        super(what, hint, cause);
    }

    /**
     * {@code what} failed on {@code file} (for example "cannot write the download"): that, the system's
     * reason and {@code hint}; or the full-disk line naming the file's folder.
     */
    public static StorageException of(String what, Path file, IOException e, String hint) {
        if (isNoSpace(reason(e))) {
            return noSpace(folder(file), e);
        }
        return new StorageException(what + " " + file + ": " + reason(e), hint, e);
    }

    /** A program that wrote into {@code dir} and failed because the disk is full, said plainly; other failures as they are. */
    public static CocoonException of(ToolException e, Path dir) {
        return e.getMessage() != null && isNoSpace(e.getMessage()) ? noSpace(dir, e) : e;
    }

    private static StorageException noSpace(Path dir, Throwable cause) {
        return new StorageException("no space left on " + dir, "free space (cocoon gc)", cause);
    }

    private static boolean isNoSpace(String reason) {
        return reason.contains(NO_SPACE) || reason.contains(NO_QUOTA);
    }

    /** The system's words without the path a FileSystemException repeats. */
    private static String reason(IOException e) {
        if (e instanceof FileSystemException fs) {
            return fs.getReason() != null
                    ? fs.getReason()
                    : e instanceof AccessDeniedException
                            ? "permission denied"
                            : e instanceof NoSuchFileException
                                    ? "no such file or folder"
                                    : e instanceof FileAlreadyExistsException
                                            ? "it already exists"
                                            : e.getClass().getSimpleName();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static Path folder(Path file) {
        Path absolute = file.toAbsolutePath();
        return Files.isDirectory(absolute) || absolute.getParent() == null ? absolute : absolute.getParent();
    }
}
