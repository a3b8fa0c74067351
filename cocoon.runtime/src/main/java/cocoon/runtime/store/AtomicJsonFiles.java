package cocoon.runtime.store;

import cocoon.api.CocoonException;
import cocoon.api.JsonFiles;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/** JSON state files through {@link AtomicFiles}: a reader sees the old file or the new one, never half of one. */
public final class AtomicJsonFiles implements JsonFiles {

    @Override
    public <T> Optional<T> read(Path file, Class<T> type) {
        try {
            return Optional.of(Json.mapper().readValue(file.toFile(), type));
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot read " + file + ": " + e.getMessage(),
                    "the file is damaged; restore it or remove it and run cocoon gc");
        }
    }

    @Override
    public void write(Path file, Object value) {
        try {
            AtomicFiles.write(file, Json.mapper().writeValueAsBytes(value));
        } catch (IOException e) {
            if (IoFailure.isNoSpace(e)) {
                throw IoFailure.noSpace(file.toAbsolutePath().getParent(), e);
            }
            throw new CocoonException(
                    "cannot write " + file + ": " + e.getMessage(),
                    "check free space and permissions under the root dir");
        }
    }
}
