package cocoon.api;

import java.nio.file.Path;
import java.util.Optional;

/** JSON state files, written atomically (temp file, fsync, rename) and read back into records. */
public interface JsonFiles {

    <T> Optional<T> read(Path file, Class<T> type);

    void write(Path file, Object value);
}
