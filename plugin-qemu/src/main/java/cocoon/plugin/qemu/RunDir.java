package cocoon.plugin.qemu;

import cocoon.api.HypervisorException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Stream;

/** A VM's {@code <run-dir>/<id>}: only QEMU's pid file and QMP socket live there, so it goes as a whole. */
final class RunDir {

    private RunDir() {
    }

    static void clean(Path runDir) {
        try (Stream<Path> entries = Files.list(runDir)) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                Files.deleteIfExists(entry);
            }
            Files.deleteIfExists(runDir);
        } catch (NoSuchFileException gone) {
            // nothing to clean
        } catch (IOException e) {
            throw new HypervisorException("cannot clean " + runDir + ": " + e.getMessage(), "remove it by hand", e);
        }
    }
}
